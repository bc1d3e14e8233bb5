// CodeMirror 6 with Python: loaded with the configuration page only.
import { python } from "@codemirror/lang-python";
import { linter, lintGutter, setDiagnostics } from "@codemirror/lint";
import { basicSetup, EditorView } from "codemirror";

export interface ScriptEditor {
  text(): string;
  markError(line: number, message: string): void;
  destroy(): void;
}

// In a shadow root, CodeMirror's styles go to adoptedStyleSheets (constructed, CSSOM) instead
// of a <style> element, which the console's Content-Security-Policy refuses.
const SIZE = EditorView.theme({ "&": { maxHeight: "28rem" }, ".cm-scroller": { overflow: "auto" } });

export function mount(host: HTMLElement, text: string, label: string): ScriptEditor {
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  const parent = document.createElement("div");
  root.replaceChildren(parent);
  const view = new EditorView({
    doc: text,
    root,
    parent,
    extensions: [basicSetup, python(), lintGutter(), linter(null), SIZE, EditorView.contentAttributes.of({ "aria-label": label })],
  });
  return {
    text: () => view.state.doc.toString(),
    markError(line, message) {
      const at = view.state.doc.line(Math.max(1, Math.min(line, view.state.doc.lines)));
      view.dispatch(setDiagnostics(view.state, [{ from: at.from, to: at.to, severity: "error", message }]));
    },
    destroy: () => view.destroy(),
  };
}
