// The audit trail (GET /audit), filtered by actor, object and time through the URL.
import { api } from "../api/client";
import type { AuditPage as Page, Schemas } from "../api/contract";
import { Problem, useLoad, visible } from "../components/common";
import { navigate, withQuery } from "../router";

const FILTERS = ["actor", "object", "since", "until"] as const;
type Entry = Schemas["AuditEntry"];
// The trail's columns: when, who (and from where), what was done to which object, what it made.
const COLUMNS: [string, (entry: Entry) => unknown][] = [
  ["At", (entry) => entry.at],
  ["Actor", (entry) => entry.actor.email ?? entry.actor.principal],
  ["Role", (entry) => entry.actor.role],
  ["From", (entry) => entry.actor.source_ip],
  ["Action", (entry) => entry.action],
  ["Object", (entry) => entry.object],
  ["Version", (entry) => entry.version],
  ["Submission", (entry) => entry.submission],
  ["Detail", (entry) => entry.detail],
];

export function AuditPage({ url }: { url: URL }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, url.searchParams.get(name) ?? undefined]));
  const trail = useLoad(() => api<Page>("GET", "/audit", { query: { ...filters, limit: 100 } }), JSON.stringify(filters));
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate(withQuery("/console/audit", Object.fromEntries(FILTERS.map((name) => [name, String(form.get(name) ?? "").trim()]))));
  };
  return (
    <>
      <h1>Audit</h1>
      <form class="filters" onSubmit={apply} aria-label="Filters">
        {FILTERS.map((name) => (
          <label>
            {name[0].toUpperCase() + name.slice(1)} <input name={name} value={filters[name] ?? ""} />
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      <Problem error={trail.error} />
      <div class="scroll">
        <table>
          <thead>
            <tr>
              {COLUMNS.map(([column]) => (
                <th scope="col">{column}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {trail.data?.items.map((item) => (
              <tr>
                {COLUMNS.map(([, value]) => {
                  const shown = value(item);
                  return <td>{visible(typeof shown === "string" ? shown : JSON.stringify(shown ?? ""))}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {trail.data && !trail.data.items.length && <p>Nothing recorded in this view.</p>}
    </>
  );
}
