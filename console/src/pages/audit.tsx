// The audit trail (GET /audit), filtered by actor, object and time through the URL.
import { api, missingRoute } from "../api/client";
import type { AuditPage as Page } from "../api/contract";
import { Problem, useLoad, visible } from "../components/common";
import { navigate, withQuery } from "../router";

const FILTERS = ["actor", "object", "since", "until"] as const;

export function AuditPage({ url }: { url: URL }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, url.searchParams.get(name) ?? undefined]));
  const trail = useLoad(() => api<Page>("GET", "/audit", { query: { ...filters, limit: 100 } }), JSON.stringify(filters));
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate(withQuery("/console/audit", Object.fromEntries(FILTERS.map((name) => [name, String(form.get(name) ?? "").trim()]))));
  };
  const columns = [...new Set((trail.data?.items ?? []).flatMap((item) => Object.keys(item)))];
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
      {missingRoute(trail.error) ? <p>This API keeps no audit trail yet (no GET /audit).</p> : <Problem error={trail.error} />}
      <div class="scroll">
        <table>
          <thead>
            <tr>
              {columns.map((column) => (
                <th scope="col">{column}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {trail.data?.items.map((item) => (
              <tr>
                {columns.map((column) => (
                  <td>{visible(typeof item[column] === "string" ? (item[column] as string) : JSON.stringify(item[column] ?? ""))}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {trail.data && !trail.data.items.length && <p>Nothing recorded in this view.</p>}
    </>
  );
}
