// Logs per submission: the providers' match scripts, then each function's run, an error at its
// line with the script version that ran, linked to that version.
import type { Schemas } from "../api/contract";
import { Status, Text, visible } from "../components/common";

type Full = Schemas["MessageOut"];

function Lines({ logs }: { logs: Schemas["LogEntry"][] }) {
  if (!logs.length) return <p class="quiet">no log lines</p>;
  return <Text>{logs.map((entry) => `${entry.at} ${entry.level} ${entry.message}`).join("\n")}</Text>;
}

function Failure(props: { error: string | null; line: number | null; version: number | null; href: string }) {
  if (!props.error) return null;
  return (
    <div class="error">
      <Text>{props.error}</Text>
      {props.line !== null && (
        <p>
          at line {props.line}
          {props.version !== null && (
            <>
              {" "}
              of <a href={`${props.href}&version=${props.version}`}>version {props.version}</a>
            </>
          )}
        </p>
      )}
    </div>
  );
}

export function LogsView({ message }: { message: Full }) {
  return (
    <>
      {(message.executions_omitted ?? 0) > 0 && <p>{message.executions_omitted} older executions are not shown.</p>}
      {[...message.submissions].reverse().map((submission) => (
        <section key={submission.submission} class="submission">
          <h2>Submission #{submission.submission}</h2>
          {(submission.evaluations ?? []).map((evaluation) => (
            <article class="run">
              <h3>
                Provider {visible(evaluation.provider)}: {evaluation.matched ? "matched" : "no match"} ({evaluation.duration_ms} ms)
              </h3>
              <Failure error={evaluation.error ?? null} line={null} version={evaluation.script_version ?? null} href="" />
              <Lines logs={evaluation.logs ?? []} />
            </article>
          ))}
          {message.executions
            .filter((execution) => execution.submission === submission.submission)
            .map((execution) => (
              <article class="run">
                <h3>
                  Function {visible(execution.function)} <Status value={execution.status} /> ({execution.duration_ms} ms)
                </h3>
                <Failure
                  error={execution.error ?? null}
                  line={execution.error_line ?? null}
                  version={execution.script_version ?? null}
                  href={`/console/configuration?function=${encodeURIComponent(execution.function_id)}`}
                />
                <Lines logs={execution.logs ?? []} />
              </article>
            ))}
        </section>
      ))}
    </>
  );
}
