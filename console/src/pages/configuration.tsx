// Configuration: providers in evaluation order (drag and drop, or Alt+arrows), active toggles,
// properties (secrets write-only: shown as set or not), functions per provider, and a script
// editor with version history and a dry run of the draft.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api/client";
import type { Schemas } from "../api/contract";
import { Problem, Text, useLoad, visible } from "../components/common";
import type { ScriptEditor } from "./editor";

type Provider = Schemas["ProviderOut"];
type Fn = Schemas["FunctionOut"];

export function ConfigurationPage({ url }: { url: URL }) {
  const providers = useLoad(() => api<Schemas["ProviderList"]>("GET", "/providers"), "providers");
  const functions = useLoad(() => api<Schemas["FunctionList"]>("GET", "/functions"), "functions");
  const [failure, setFailure] = useState<unknown>();
  const [status, setStatus] = useState("");
  const chosen = url.searchParams.get("function");
  const fn = functions.data?.items.find((f) => f.id === chosen);
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      await Promise.all([providers.reload(), functions.reload()]);
      setStatus(done); // once the page shows what was done
      setFailure(undefined);
    } catch (error) {
      setFailure(error);
      await Promise.all([providers.reload(), functions.reload()]);
    }
  };
  const ordered = [...(providers.data?.items ?? [])].sort((a, b) => a.position - b.position);
  const reorder = (ids: string[]) => act(() => api("PUT", "/providers/order", { body: { ids } }), "Order saved.");
  return (
    <>
      <h1>Configuration</h1>
      <p role="status">{status}</p>
      <Problem error={providers.error ?? functions.error ?? failure} />
      <div class="config">
        <Providers
          providers={ordered}
          functions={functions.data?.items ?? []}
          reorder={reorder}
          toggle={(p) => act(() => api("PATCH", `/providers/${p.id}`, { body: { active: !p.active } }), `${p.name} ${p.active ? "deactivated" : "activated"}.`)}
        />
        <div>{fn ? <FunctionEditor key={fn.id} fn={fn} saved={() => functions.reload()} /> : <p>Choose a function to edit its script.</p>}</div>
      </div>
    </>
  );
}

function Providers(props: { providers: Provider[]; functions: Fn[]; reorder: (ids: string[]) => void; toggle: (p: Provider) => void }) {
  const [dragged, setDragged] = useState<string>();
  const ids = props.providers.map((p) => p.id);
  const moved = (id: string, to: number) => {
    const rest = ids.filter((x) => x !== id);
    rest.splice(Math.max(0, Math.min(rest.length, to)), 0, id);
    props.reorder(rest);
  };
  return (
    <section aria-labelledby="providers-title">
      <h2 id="providers-title">Providers, in evaluation order</h2>
      <p class="hint">Drag a provider, or focus its handle and press Alt+↑ / Alt+↓.</p>
      <ol class="providers-list">
        {props.providers.map((p, index) => (
          <li
            key={p.id}
            draggable
            class={dragged === p.id ? "dragging" : undefined}
            onDragStart={(e) => (setDragged(p.id), e.dataTransfer?.setData("text/plain", p.id))}
            onDragEnd={() => setDragged(undefined)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              const id = e.dataTransfer?.getData("text/plain");
              if (id && id !== p.id) moved(id, index);
            }}
          >
            <div class="row">
              <button
                type="button"
                class="handle"
                aria-label={`Move ${p.name} (position ${index + 1} of ${ids.length})`}
                onKeyDown={(e) => {
                  if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
                  e.preventDefault();
                  moved(p.id, index + (e.key === "ArrowUp" ? -1 : 1));
                }}
              >
                ⠿
              </button>
              <strong>{visible(p.name)}</strong>
              <label>
                <input type="checkbox" checked={p.active} onChange={() => props.toggle(p)} /> active
              </label>
            </div>
            <Properties properties={p.properties as Record<string, Schemas["Property"]>} />
            <ul class="fn-list" aria-label={`Functions of ${p.name}`}>
              {props.functions
                .filter((f) => f.provider_id === p.id)
                .map((f) => (
                  <li key={f.id}>
                    <a href={`/console/configuration?function=${encodeURIComponent(f.id)}`}>{visible(f.name)}</a> <code>{visible(f.uri)}</code>
                    {!f.active && " (inactive)"}
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Properties({ properties }: { properties: Record<string, Schemas["Property"]> }) {
  const entries = Object.entries(properties ?? {});
  if (!entries.length) return null;
  return (
    <dl class="pairs">
      {entries.map(([name, p]) => (
        <>
          <dt>{visible(name)}</dt>
          <dd>{p.secret ? (p.value === null ? "secret, not set" : "secret, set") : visible(p.value ?? "")}</dd>
        </>
      ))}
    </dl>
  );
}

function FunctionEditor({ fn, saved }: { fn: Fn; saved: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<ScriptEditor | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>();
  const [note, setNote] = useState("");
  const versions = useLoad(() => api<Schemas["VersionList"]>("GET", `/functions/${fn.id}/versions`), `${fn.id} ${fn.version}`);
  const [compared, setCompared] = useState<Schemas["VersionOut"]>();
  useEffect(() => {
    let live = true;
    void import("./editor").then(({ mount }) => {
      if (live && host.current) editor.current = mount(host.current, fn.script, `Script of ${fn.name}`);
    });
    return () => ((live = false), editor.current?.destroy());
  }, [fn.id]);
  const save = async () => {
    try {
      await api("PATCH", `/functions/${fn.id}`, { body: { script: editor.current?.text() ?? fn.script } });
      setNote("Saved.");
      setFailure(undefined);
      saved();
    } catch (error) {
      const line = error instanceof ApiError ? /line (\d+)/.exec(error.message) : null;
      if (line) editor.current?.markError(Number(line[1]), (error as ApiError).message);
      setNote(line ? `Not saved: error at line ${line[1]}.` : "Not saved.");
      setFailure(error);
    }
  };
  return (
    <section aria-labelledby="editor-title">
      <h2 id="editor-title">
        {visible(fn.provider)} / {visible(fn.name)} <span class="quiet">v{fn.version}</span>
      </h2>
      <div class="editor" ref={host} />
      <div class="actions">
        <button type="button" class="primary" onClick={save}>
          Save
        </button>
      </div>
      <p role="status">{note}</p>
      <Problem error={failure} />
      <h3>Versions</h3>
      <ul>
        {versions.data?.items.map((v) => (
          <li key={v.version}>
            <button type="button" class="link" onClick={() => setCompared(v)}>
              Version {v.version}
            </button>{" "}
            <span class="quiet">{v.saved_at}</span>
          </li>
        ))}
      </ul>
      {compared && (
        <>
          <h3>Version {compared.version} → the draft</h3>
          <Diff before={compared.script} after={editor.current?.text() ?? fn.script} />
        </>
      )}
      <DryRun fn={fn} draft={() => editor.current?.text() ?? fn.script} />
    </section>
  );
}

/** A line diff (longest common subsequence): small scripts, so the quadratic table is fine. */
function Diff({ before, after }: { before: string; after: string }) {
  const a = before.split("\n");
  const b = after.split("\n");
  const common = a.map(() => new Array<number>(b.length + 1).fill(0));
  common.push(new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
  const lines: [string, string][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) lines.push(["", `  ${a[i++]}`]), j++;
    else if (j < b.length && (i === a.length || common[i][j + 1] >= common[i + 1][j])) lines.push(["add", `+ ${b[j++]}`]);
    else lines.push(["del", `- ${a[i++]}`]);
  }
  return (
    <pre class="text diff">
      {lines.map(([kind, text]) => (
        <span class={kind}>{`${visible(text)}\n`}</span>
      ))}
    </pre>
  );
}

function DryRun({ fn, draft }: { fn: Fn; draft: () => string }) {
  const [result, setResult] = useState<Schemas["DryRunResult"]>();
  const [failure, setFailure] = useState<unknown>();
  const run = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      const config = await api<Schemas["ConfigDocument"]>("GET", "/config");
      for (const provider of config.providers ?? [])
        for (const candidate of provider.functions ?? []) if (candidate.name === fn.name && provider.name === fn.provider) candidate.script = draft();
      const body = { method: "POST", uri: String(form.get("uri")), body: String(form.get("body")), headers: { "content-type": "application/json" }, config };
      setResult(await api<Schemas["DryRunResult"]>("POST", "/test", { body }));
      setFailure(undefined);
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <form onSubmit={run} aria-labelledby="dry-run-title">
      <h3 id="dry-run-title">Dry run of the draft</h3>
      <label>
        URI <input name="uri" value={fn.uri} />
      </label>
      <label>
        Body <textarea name="body" rows={4}>{"{}"}</textarea>
      </label>
      <button type="submit">Dry run</button>
      <Problem error={failure} />
      {result && <Text>{JSON.stringify(result, null, 2)}</Text>}
    </form>
  );
}
