// Dead letters, one by one: inspect a record, redrive it to the queue, or discard it.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Role, Schemas } from "../api/contract";
import { Problem, Text, useConfirm, useLoad, When } from "../components/common";
import { can } from "../roles";

export function DeadLettersPage({ role }: { role: Role }) {
  const list = useLoad(() => api<Schemas["DeadLetterPageOut"]>("GET", "/dead-letters/messages"), "dead-letters");
  const [open, setOpen] = useState<Schemas["DeadLetterDetailOut"]>();
  const [done, setDone] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const [ask, dialog] = useConfirm();
  if (!can(role, "deadLetters")) return <p>Your role sees the dead-letter count only.</p>;
  const act = async (work: () => Promise<string>) => {
    try {
      setDone(await work());
      setFailure(undefined);
      setOpen(undefined);
      await list.reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const path = (id: string) => `/dead-letters/messages/${encodeURIComponent(id)}`;
  return (
    <>
      <h1>Dead letters</h1>
      <p>About {list.data?.approximate_count ?? "…"} records in the dead-letter queue.</p>
      <p role="status">{done}</p>
      <Problem error={list.error ?? failure} />
      {dialog}
      <ul class="records">
        {list.data?.items.map((record) => (
          <li key={record.record_id}>
            <p>
              Record <code class="id">{record.record_id}</code>
              {record.message_id && (
                <>
                  {" "}
                  · message <a href={`/console/messages/${encodeURIComponent(record.message_id)}`}>{record.message_id}</a>
                </>
              )}{" "}
              · sent <When at={record.sent_at} /> · received {record.receive_count} times
            </p>
            <div class="actions">
              <button type="button" onClick={() => act(async () => (setOpen(await api("GET", path(record.record_id))), ""))}>
                Inspect
              </button>
              <button
                type="button"
                onClick={() =>
                  act(async () => {
                    await api("POST", `${path(record.record_id)}/redrive`);
                    return `Record ${record.record_id} redriven.`;
                  })
                }
              >
                Redrive
              </button>
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  if (!(await ask(`Discard record ${record.record_id} for good?`))) return;
                  await act(async () => {
                    await api("DELETE", path(record.record_id));
                    return `Record ${record.record_id} discarded.`;
                  });
                }}
              >
                Discard
              </button>
            </div>
            {open?.record_id === record.record_id && <Text>{open.body}</Text>}
          </li>
        ))}
      </ul>
      {list.data && !list.data.items.length && <p>No dead letters.</p>}
    </>
  );
}
