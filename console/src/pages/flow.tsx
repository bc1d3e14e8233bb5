// The flow of each submission, from the overview route: providers in evaluation order with
// their verdicts, then the matched provider's functions, with what each ran and answered when
// the role may read it.
import type { Flow, Overview, Schemas } from "../api/contract";
import { Status, visible } from "../components/common";

const VERDICTS = { matched: "match", no_match: "no match", error: "error", not_evaluated: "never evaluated" };

function ms(value: number | null): string {
  return value === null ? "" : ` · ${value} ms`;
}

function Runs({ flow, full }: { flow: Flow; full: Schemas["MessageOut"] | null }) {
  return (
    <ol class="functions">
      {flow.functions.map((fn) => {
        const run = full?.executions.find((e) => e.function_id === fn.function_id && e.submission === flow.submission);
        return (
          <li class={fn.uri_matched ? "ran" : "skipped"}>
            <strong>{visible(fn.function)}</strong> {fn.uri_matched ? "URI matched" : "URI not matched"}
            {fn.status && <Status value={fn.status} />}
            {ms(fn.duration_ms)}
            {fn.script_version !== null && <span> · v{fn.script_version}</span>}
            {run?.actions?.length ? (
              <ul>
                {run.actions.map((action) => (
                  <li>
                    {visible(`${action.kind} ${action.call}: ${action.outcome}${action.status ? ` ${action.status}` : ""}`)}
                  </li>
                ))}
              </ul>
            ) : null}
            {run?.response && <p>answered {run.response.status}</p>}
          </li>
        );
      })}
    </ol>
  );
}

export function FlowView({ overview, full }: { overview: Overview; full: Schemas["MessageOut"] | null }) {
  return (
    <>
      {[...overview.flow].reverse().map((flow) => (
        <section key={flow.submission} class="flow" aria-label={`Submission ${flow.submission}`}>
          <h2>Submission #{flow.submission}</h2>
          <ol class="providers">
            {flow.providers.map((p) => (
              <li class={`verdict-${p.verdict}`}>
                <strong>{visible(p.provider)}</strong> {VERDICTS[p.verdict]}
                {ms(p.duration_ms)}
                {p.script_version !== null && <span> · v{p.script_version}</span>}
              </li>
            ))}
          </ol>
          {flow.functions.length > 0 && <Runs flow={flow} full={full} />}
          {!flow.providers.some((p) => p.verdict === "matched") && <p>No provider matched: no function ran.</p>}
        </section>
      ))}
    </>
  );
}
