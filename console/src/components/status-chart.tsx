// Counts by status over the last 24 hours, from the message list the system already keeps:
// GET /messages?since=24h, read a minute apart, at most MAX_PAGES pages. No counter is added
// to the write path, so a message costs nothing more; a view costs those reads.
import { api } from "../api/client";
import type { Schemas } from "../api/contract";
import { Problem, useLoad } from "./common";

const PAGE = 200;
const MAX_PAGES = 5;

interface Counts {
  byStatus: [string, number][];
  total: number;
  capped: boolean;
}

async function lastDay(): Promise<Counts> {
  const counts = new Map<string, number>();
  let cursor: string | null | undefined;
  let pages = 0;
  do {
    const page = await api<Schemas["MessagePageOut"]>("GET", "/messages", { query: { since: "24h", limit: PAGE, cursor } });
    for (const item of page.items) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
    cursor = page.next_cursor;
    pages += 1;
  } while (cursor && pages < MAX_PAGES);
  const byStatus = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return { byStatus, total: byStatus.reduce((sum, [, n]) => sum + n, 0), capped: Boolean(cursor) };
}

export function StatusChart() {
  const counts = useLoad(lastDay, "chart", 60000);
  if (!counts.data) return <Problem error={counts.error} />;
  const { byStatus, total, capped } = counts.data;
  const top = Math.max(1, ...byStatus.map(([, n]) => n));
  return (
    <figure class="chart">
      <figcaption>
        Last 24 hours: {capped ? "at least " : ""}
        {total} messages
      </figcaption>
      <ul>
        {byStatus.map(([status, n]) => (
          <li key={status}>
            <span class="label">{status}</span>
            <span class={`bar status-${status.toLowerCase()}`} style={{ width: `${(70 * n) / top}%` }} />
            <span class="count">{n}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
