// Small pieces every page uses. Everything the API returns is rendered as text: JSX escapes it,
// and no page sets innerHTML or builds an href from data but through safeHref.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  reload: () => Promise<void>;
}

/** Load with `load`, again when `key` changes, and every `every` ms (0: never) while shown. */
export function useLoad<T>(load: () => Promise<T>, key: string, every = 0): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const current = useRef(load);
  current.current = load;
  const reload = useCallback(async () => {
    try {
      setData(await current.current());
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, []);
  useEffect(() => {
    setData(undefined);
    void reload();
    if (!every) return;
    const timer = setInterval(() => document.hidden || void reload(), every);
    return () => clearInterval(timer);
  }, [key, every]);
  return { data, error, reload };
}

export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? `${error.message}${error.requiredRole ? ` (needs the ${error.requiredRole} role)` : ""}`
      : String(error);
  return (
    <p class="problem" role="alert">
      {text}
    </p>
  );
}

export function Status({ value }: { value: string | null | undefined }) {
  return <span class={`status status-${(value ?? "none").toLowerCase()}`}>{value ?? "—"}</span>;
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" })}
    </time>
  );
}

/** A link target from data: only http(s) URLs, anything else (javascript:, data:) is no link. */
export function safeHref(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Bidirectional controls shown, not obeyed: text from senders cannot reorder what follows. */
export function visible(text: string): string {
  return text.replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function Text({ children }: { children: string }) {
  return <pre class="text">{visible(children)}</pre>;
}

/** One question, one answer: a modal dialog that resolves true on confirm. */
export function useConfirm(): [(question: string) => Promise<boolean>, ComponentChildren] {
  const dialog = useRef<HTMLDialogElement>(null);
  const [question, setQuestion] = useState("");
  const answer = useRef<(yes: boolean) => void>(() => undefined);
  const ask = useCallback((text: string) => {
    setQuestion(text);
    dialog.current?.showModal();
    return new Promise<boolean>((resolve) => (answer.current = resolve));
  }, []);
  const close = (yes: boolean) => {
    dialog.current?.close();
    answer.current(yes);
  };
  const element = (
    <dialog ref={dialog} aria-labelledby="confirm-question" onCancel={() => answer.current(false)}>
      <p id="confirm-question">{question}</p>
      <div class="actions">
        <button type="button" class="primary" onClick={() => close(true)}>
          Confirm
        </button>
        <button type="button" onClick={() => close(false)}>
          Cancel
        </button>
      </div>
    </dialog>
  );
  return [ask, element];
}
