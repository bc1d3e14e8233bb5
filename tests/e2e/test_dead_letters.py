"""Dead letters over HTTP: a submission that failed 5 times reaches the dead-letter queue, and
is redriven with the whole queue, or on its own from the CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import TOKEN
from webhooks_cli.main import main
from webhooks_local.aws import local_session

pytestmark = pytest.mark.e2e


def eventually(check: Callable[[], Any], what: str, timeout: float = 45.0) -> Any:
    """The first truthy result of `check`, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout}s")
        time.sleep(0.3)
    return result


def done(client: Any, message_id: str) -> dict[str, Any] | None:
    """The message once no submission of it is being processed; None before."""
    message: dict[str, Any] = client.admin("GET", f"/messages/{message_id}").json()
    return None if message.get("status") in (None, "RECEIVED", "PROCESSING", "DEAD") else message


@dataclass(frozen=True)
class Stranded:
    """A message whose body in the payload bucket is archived (GLACIER, not readable until
    restored): every processing of it fails, as when S3 itself fails."""

    message_id: str
    answer: Any  # the webhook's answer
    body: bytes
    aws: Any  # the stack's state, and clients of its moto

    def restore_body(self) -> None:
        bucket = self.aws.state["refs"]["PayloadBucket"]
        self.aws.s3.put_object(Bucket=bucket, Key=f"payloads/{self.message_id}", Body=self.body)


@dataclass(frozen=True)
class StackAws:
    state: dict[str, Any]
    s3: Any
    sqs: Any

    def admin_environment(self, name: str) -> str:
        return str(self.state["environments"]["AdminFunction"][name])


def stack_aws(local_stack: Any) -> StackAws:
    state = json.loads(local_stack.state_path.read_text())
    session = local_session(state["region"])
    endpoint = state["moto_endpoint"]
    return StackAws(
        state,
        session.client("s3", endpoint_url=endpoint),
        session.client("sqs", endpoint_url=endpoint),
    )


def stranded_resubmission(local_stack: Any, uri: str) -> Stranded:
    """A message (body over the inline limit) stored by a sync webhook, its body then archived
    and the message resubmitted: that submission fails on every delivery."""
    aws = stack_aws(local_stack)
    body = json.dumps({"blob": "x" * 300_000}).encode()
    headers = {"content-type": "application/json", "flex-sync-webhook": "true"}
    answer = local_stack.request("POST", f"/webhooks/{uri}", body, headers)
    message_id = answer.json()["message_id"]
    aws.s3.put_object(
        Bucket=aws.state["refs"]["PayloadBucket"],
        Key=f"payloads/{message_id}",
        Body=body,
        StorageClass="GLACIER",
    )
    assert local_stack.admin("POST", f"/messages/{message_id}/resubmit").status == 202
    return Stranded(message_id, answer, body, aws)


def test_failed_submission_reaches_the_dead_letters_and_is_redriven(local_stack):
    # Given a message whose body lives in the payload bucket (over the inline limit)
    # ... and whose resubmission fails every time, its body being gone
    stranded = stranded_resubmission(local_stack, "dead/letters")
    message_id, answer, sqs = stranded.message_id, stranded.answer, stranded.aws.sqs
    dead_letter_arn = stranded.aws.admin_environment("DEAD_LETTER_QUEUE_ARN")
    eventually(
        lambda: local_stack.admin("GET", "/dead-letters").json()["approximate_count"] == 1,
        "the submission to reach the dead-letter queue",
    )
    [failing] = local_stack.admin("GET", "/messages?uri=dead/letters&limit=1").json()["items"]

    # When the body is back and the dead-letter queue is redriven
    stranded.restore_body()
    redrive = local_stack.admin("POST", "/dead-letters/redrive")

    # Then the submission is processed again, to its end, and the dead-letter queue is empty
    finished = eventually(lambda: done(local_stack, message_id), "the redriven submission's end")
    [task] = sqs.list_message_move_tasks(SourceArn=dead_letter_arn)["Results"]
    assert answer.status == 404  # nothing matches it: UNMATCHED, body stored in S3
    assert (failing["id"], failing["status"]) == (message_id, "DEAD")
    assert "InvalidObjectState" in failing["reason"]
    assert redrive.status == 202
    assert redrive.json()["method"] == "StartMessageMoveTask"
    assert redrive.json()["task_handle"]
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 1)
    assert [s["status"] for s in finished["submissions"]] == ["UNMATCHED", "UNMATCHED"]
    assert (finished["body_omitted"], finished["body_size"]) == (True, len(stranded.body))
    assert local_stack.admin("GET", "/dead-letters").json()["approximate_count"] == 0


def test_one_dead_letter_is_listed_shown_discarded_or_redriven_from_the_cli(
    local_stack, monkeypatch, capsys
):
    # Given the CLI pointed at the stack, a submission in the dead-letter queue ...
    monkeypatch.setenv("WEBHOOKS_URL", local_stack.base_url)
    monkeypatch.setenv("WEBHOOKS_ADMIN_TOKEN", TOKEN)

    def webhooks(*args: str) -> tuple[int, str]:
        code = main(list(args))
        return code, capsys.readouterr().out

    def records() -> dict[str | None, dict[str, Any]]:
        code, out = webhooks("--json", "dead-letters", "list", "--limit", "100")
        assert code == 0
        return {record["message_id"]: record for record in json.loads(out)["items"]}

    stranded = stranded_resubmission(local_stack, "dead/one")
    message_id = stranded.message_id
    dead = eventually(lambda: records().get(message_id), "the submission's dead-letter record")
    # ... and a record that names no submission
    junk = stranded.aws.sqs.send_message(
        QueueUrl=stranded.aws.admin_environment("DEAD_LETTER_QUEUE_URL"), MessageBody="junk"
    )["MessageId"]

    # When the junk is discarded, the record shown, and redriven once the body is back
    discarded, _ = webhooks("dead-letters", "discard", junk)
    gone, _ = webhooks("dead-letters", "show", junk)
    shown, text = webhooks("dead-letters", "show", dead["record_id"])
    stranded.restore_body()
    redriven, said = webhooks("dead-letters", "redrive", dead["record_id"])

    # Then the redriven submission is processed to its end, and neither record is left
    finished = eventually(lambda: done(local_stack, message_id), "the redriven submission's end")
    left = records()
    assert (dead["submission"], dead["message"]["status"]) == (2, "DEAD")
    assert "InvalidObjectState" in dead["message"]["reason"]
    assert dead["receive_count"] > 5  # the queue's 5 deliveries, then this listing
    assert (discarded, gone, shown, redriven) == (0, 3, 0, 0)
    assert f"Record:      {dead['record_id']}" in text
    assert "Status:       DEAD" in text
    assert f'"message_id": "{message_id}"' in text
    assert (
        said
        == f"sent record {dead['record_id']} back to the queue (message {message_id}, submission 2)\n"
    )
    assert [s["status"] for s in finished["submissions"]] == ["UNMATCHED", "UNMATCHED"]
    assert message_id not in left
    assert None not in left
