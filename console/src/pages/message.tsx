// One message: Details, Payload, Logs and Flow, and Resubmit.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Overview, Role, Schemas } from "../api/contract";
import { Problem, Status, Text, useLoad, visible, When } from "../components/common";
import { Tabs, type Tab } from "../components/tabs";
import { can } from "../roles";
import { navigate } from "../router";
import { FlowView } from "./flow";
import { LogsView } from "./logs";
import { PayloadView } from "./payload";

type Full = Schemas["MessageOut"];
const LIVE_MS = 3000;

interface Views {
  overview: Overview;
  full: Full | null; // null: a role that may not read the request
}

async function views(id: string, role: Role): Promise<Views> {
  const path = `/messages/${encodeURIComponent(id)}`;
  const full = can(role, "payload") ? api<Full>("GET", path) : Promise.resolve(null);
  const overview = api<Overview>("GET", `${path}/overview`);
  return { overview: await overview, full: await full };
}

export function MessagePage({ id, url, role }: { id: string; url: URL; role: Role }) {
  const loaded = useLoad(() => views(id, role), `${id} ${role}`, LIVE_MS);
  const [done, setDone] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const tabs: Tab[] = [
    { id: "details", label: "Details" },
    ...(can(role, "payload")
      ? [
          { id: "payload", label: "Payload" },
          { id: "logs", label: "Logs" },
        ]
      : []),
    { id: "flow", label: "Flow" },
  ];
  const asked = url.searchParams.get("tab") ?? "details";
  const tab = tabs.some((t) => t.id === asked) ? asked : "details";
  const choose = (next: string) => navigate(`${url.pathname}?tab=${next}`, true);
  const resubmit = async () => {
    try {
      const answer = await api<Schemas["ResubmitOut"]>("POST", `/messages/${encodeURIComponent(id)}/resubmit`);
      setDone(`Submission ${answer.submission} queued.`);
      setFailure(undefined);
      await loaded.reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const data = loaded.data;
  const message = data?.overview ?? data?.full;
  return (
    <>
      <p>
        <a href="/console/messages">← Messages</a>
      </p>
      <h1>
        Message <code class="id">{id}</code>
      </h1>
      <Problem error={loaded.error ?? failure} />
      {message && data && (
        <>
          <p class="summary">
            <Status value={message.status} /> {message.method} {visible(message.uri)} · {message.submission_count} submission(s)
            {can(role, "resubmit") && (
              <button type="button" class="primary" onClick={resubmit}>
                Resubmit
              </button>
            )}
          </p>
          <p role="status">{done}</p>
          <Tabs tabs={tabs} current={tab} choose={choose}>
            {tab === "details" && <DetailsView message={message} full={data.full} overview={data.overview} />}
            {tab === "payload" && data.full && <PayloadView message={data.full} />}
            {tab === "logs" && data.full && <LogsView message={data.full} />}
            {tab === "flow" && <FlowView overview={data.overview} full={data.full} />}
          </Tabs>
        </>
      )}
    </>
  );
}

function DetailsView({ message, full, overview }: { message: Schemas["MessageSummaryOut"]; full: Full | null; overview: Overview | null }) {
  const submissions = overview?.submissions ?? full?.submissions ?? [];
  return (
    <>
      <dl class="fields">
        <dt>URI</dt>
        <dd>
          {message.method} {visible(message.uri)}
        </dd>
        <dt>Provider</dt>
        <dd>{visible(message.provider ?? "none matched")}</dd>
        <dt>Status</dt>
        <dd>
          <Status value={message.status} />
        </dd>
        <dt>Reason</dt>
        <dd>{visible(message.reason ?? "—")}</dd>
        <dt>Received</dt>
        <dd>
          <When at={message.received_at} />
        </dd>
        <dt>Source IP</dt>
        <dd>{message.source_ip}</dd>
        {message.duplicate_of && (
          <>
            <dt>Duplicate of</dt>
            <dd>
              <a href={`/console/messages/${encodeURIComponent(message.duplicate_of)}`}>{message.duplicate_of}</a>
            </dd>
          </>
        )}
      </dl>
      {full && (
        <>
          <h2>Headers (masked)</h2>
          <Pairs values={full.headers as Record<string, string>} />
          <h2>Query</h2>
          {full.query_string ? <Text>{full.query_string}</Text> : <p>none</p>}
        </>
      )}
      <h2>Submissions</h2>
      <ol class="timeline">
        {submissions.map((s) => (
          <li key={s.submission}>
            <strong>#{s.submission}</strong> {s.mode} <When at={s.submitted_at} /> <Status value={s.status} />
            {"submitted_by" in s && s.submitted_by ? <span> by {visible(s.submitted_by)}</span> : null}
            {(s.attempts ?? 0) > 1 && <span> · {s.attempts} attempts</span>}
            {s.reason && <span> · {visible(s.reason)}</span>}
          </li>
        ))}
      </ol>
    </>
  );
}

export function Pairs({ values }: { values: Record<string, string> }) {
  const entries = Object.entries(values);
  if (!entries.length) return <p>none</p>;
  return (
    <dl class="pairs">
      {entries.map(([name, value]) => (
        <>
          <dt>{visible(name)}</dt>
          <dd>{visible(String(value))}</dd>
        </>
      ))}
    </dl>
  );
}
