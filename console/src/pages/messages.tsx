// Messages: newest first, live, filtered by the URL, with a selection to resubmit.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api/client";
import type { Role, Schemas } from "../api/contract";
import { Problem, Status, useConfirm, useLoad, visible, When } from "../components/common";
import { StatusChart } from "../components/status-chart";
import { can } from "../roles";
import { navigate, withQuery } from "../router";

type Summary = Schemas["MessageSummaryOut"];
type Page = Schemas["MessagePageOut"];
export const FILTERS = ["status", "provider", "function", "uri", "since", "until"] as const;
export type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
const STATUSES: Schemas["Status"][] = ["RECEIVED", "PROCESSING", "SUCCESS", "FAILED", "UNMATCHED", "DEAD", "SUPERSEDED", "DUPLICATE"];
const PAGE = 100;
const LIVE_MS = 5000;

export function filtersOf(url: URL): Filters {
  const found: Filters = {};
  for (const name of FILTERS) found[name] = url.searchParams.get(name) ?? undefined;
  return found;
}

export function MessagesPage({ url, role }: { url: URL; role: Role }) {
  const filters = filtersOf(url);
  const key = JSON.stringify(filters);
  const [older, setOlder] = useState<Page | null>(null);
  const first = useLoad(() => api<Page>("GET", "/messages", { query: { ...filters, limit: PAGE } }), key, LIVE_MS);
  useEffect(() => setOlder(null), [key]);
  const rows = useMemo(() => merged(first.data, older), [first.data, older]);
  const cursor = older ? older.next_cursor : first.data?.next_cursor;
  const more = async () => {
    const next = await api<Page>("GET", "/messages", { query: { ...filters, limit: PAGE, cursor } });
    setOlder({ items: [...(older?.items ?? []), ...next.items], next_cursor: next.next_cursor });
  };
  return (
    <>
      <h1>Messages</h1>
      <div class="overview">
        <StatusChart />
        <DeadLetterCount role={role} />
      </div>
      <FilterForm filters={filters} />
      <Problem error={first.error} />
      <MessageTable rows={rows} role={role} filters={filters} reload={first.reload} />
      {!first.data && !first.error && <p>Loading…</p>}
      {cursor && (
        <button type="button" onClick={more}>
          Older messages
        </button>
      )}
    </>
  );
}

/** The live first page, then the older pages loaded so far, each message once. */
function merged(first: Page | undefined, older: Page | null): Summary[] {
  const items = [...(first?.items ?? [])];
  const seen = new Set(items.map((item) => item.id));
  for (const item of older?.items ?? []) if (!seen.has(item.id)) items.push(item);
  return items;
}

function FilterForm({ filters }: { filters: Filters }) {
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const query = Object.fromEntries(FILTERS.map((name) => [name, String(form.get(name) ?? "").trim()]));
    navigate(withQuery("/console/messages", query));
  };
  return (
    <form class="filters" onSubmit={apply} aria-label="Filters">
      <label>
        Status
        <select name="status" value={filters.status ?? ""}>
          <option value="">any</option>
          {STATUSES.map((status) => (
            <option value={status}>{status}</option>
          ))}
        </select>
      </label>
      <label>
        Provider <input name="provider" value={filters.provider ?? ""} />
      </label>
      <label>
        Function <input name="function" value={filters.function ?? ""} />
      </label>
      <label>
        URI <input name="uri" value={filters.uri ?? ""} />
      </label>
      <label>
        Since <input name="since" placeholder="24h, 7d or ISO" value={filters.since ?? ""} />
      </label>
      <label>
        Until <input name="until" placeholder="1h or ISO" value={filters.until ?? ""} />
      </label>
      <button type="submit">Filter</button>
      <a href="/console/messages">Clear</a>
    </form>
  );
}

function DeadLetterCount({ role }: { role: Role }) {
  const count = useLoad(() => api<Schemas["DeadLettersOut"]>("GET", "/dead-letters"), "dead", 30000);
  if (!count.data) return <Problem error={count.error} />;
  const text = `Dead letters: about ${count.data.approximate_count}`;
  return <p class="dead-count">{can(role, "deadLetters") ? <a href="/console/dead-letters">{text}</a> : text}</p>;
}

/** Rows with a keyboard cursor (j/k), a selection (x, shift for a range, or the mouse). */
function MessageTable(props: { rows: Summary[]; role: Role; filters: Filters; reload: () => Promise<void> }) {
  const { rows, role, filters } = props;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [at, setAt] = useState(0);
  const anchor = useRef<number>(0);
  const [ask, dialog] = useConfirm();
  const [outcome, setOutcome] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const mayResubmit = can(role, "resubmit");

  const select = (index: number, range: boolean) => {
    const next = new Set(range ? selected : selected);
    const [from, to] = range ? [Math.min(anchor.current, index), Math.max(anchor.current, index)] : [index, index];
    const on = range || !selected.has(rows[index].id);
    for (let i = from; i <= to; i++) (on ? next.add(rows[i].id) : next.delete(rows[i].id));
    if (!range) anchor.current = index;
    setSelected(next);
  };
  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (target.closest("input, select, textarea, dialog, [contenteditable]") || !rows.length) return;
      const key = event.key.toLowerCase();
      if (key === "j" || key === "k") {
        const next = Math.max(0, Math.min(rows.length - 1, at + (key === "j" ? 1 : -1)));
        setAt(next);
        if (event.shiftKey) select(next, true);
        else anchor.current = next;
        document.getElementById(`row-${next}`)?.scrollIntoView({ block: "nearest" });
      } else if (key === "x") select(at, event.shiftKey);
      else if (key === "enter" && target === document.body) navigate(`/console/messages/${encodeURIComponent(rows[at].id)}`);
      else return;
      event.preventDefault();
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  });

  const resubmit = async (question: string, body: Schemas["BulkResubmitRequest"]) => {
    if (!(await ask(question))) return;
    try {
      const done = await api<Schemas["BulkResubmitOut"]>("POST", "/messages/resubmit", { body });
      setOutcome(`Resubmitted ${done.count} message(s)${done.remaining?.length ? `; ${done.remaining.length} not reached: try again` : ""}.`);
      setFailure(undefined);
      setSelected(new Set());
      await props.reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const failedFilter = { ...filters, status: "FAILED" } as Schemas["MessageQuery"];
  return (
    <>
      {mayResubmit && (
        <div class="actions" role="group" aria-label="Selection">
          <button
            type="button"
            disabled={!selected.size}
            onClick={() => resubmit(`Resubmit the ${selected.size} selected message(s)?`, { ids: [...selected] })}
          >
            Resubmit selected ({selected.size})
          </button>
          <button
            type="button"
            disabled={filters.status !== undefined && filters.status !== "FAILED"}
            onClick={() => resubmit("Resubmit all FAILED messages in this view (up to 1000)?", { filter: failedFilter, limit: 1000 })}
          >
            Resubmit all FAILED in this view
          </button>
          <span class="hint">Keys: j/k move, x select, shift for a range, Enter open</span>
        </div>
      )}
      <p role="status">{outcome}</p>
      <Problem error={failure} />
      {dialog}
      <div class="scroll">
        <table class="messages">
          <caption class="sr-only">Messages, newest first</caption>
          <thead>
            <tr>
              {mayResubmit && <th scope="col"><span class="sr-only">Selected</span></th>}
              <th scope="col">Message id</th>
              <th scope="col">Status</th>
              <th scope="col">Received</th>
              <th scope="col">URI</th>
              <th scope="col">Provider</th>
              <th scope="col">Functions</th>
              <th scope="col">Submissions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={row.id} id={`row-${index}`} class={index === at ? "cursor" : undefined} aria-selected={selected.has(row.id)}>
                {mayResubmit && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${row.id}`}
                      checked={selected.has(row.id)}
                      onClick={(event) => {
                        event.preventDefault();
                        setAt(index);
                        select(index, event.shiftKey);
                      }}
                    />
                  </td>
                )}
                <td>
                  <a class="id" href={`/console/messages/${encodeURIComponent(row.id)}`}>
                    {row.id}
                  </a>
                </td>
                <td>
                  <Status value={row.status} />
                </td>
                <td>
                  <When at={row.received_at} />
                </td>
                <td class="uri">
                  {row.method} {visible(row.uri)}
                </td>
                <td>{visible(row.provider ?? "—")}</td>
                <td>{visible(row.functions.join(", "))}</td>
                <td>{row.submission_count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!rows.length && <p>No messages in this view.</p>}
    </>
  );
}
