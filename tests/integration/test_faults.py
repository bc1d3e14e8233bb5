"""The pipeline under faults: every failure ends in a visible final state, nothing runs twice."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import ShortContext, http_event, new_context
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import GITHUB, PUSH, ingest, signed, stored
from webhook_engine import wiring
from webhook_engine.domain.models import Status
from webhooks_testbed.lambda_context import LocalLambdaContext

SLOW = """
providers:
  - name: Any
    match_script: return True
    functions:
"""


def slow_functions(count: int) -> str:
    """`count` functions on `loop` that would each run until their own 30 s limit."""
    return SLOW + "".join(
        f"      - {{name: f{n}, uri: loop, script: 'while True: pass'}}\n" for n in range(count)
    )


def push(context: LocalLambdaContext) -> str:
    """Ingest a signed GitHub push for the GITHUB configuration; its message id."""
    event = http_event("git/push", PUSH, headers=signed(PUSH), query="projectId=1")
    return str(ingest(event, context)[1]["message_id"])


def queued(message_id: str, submission: int = 1) -> None:
    boto3.client("sqs").send_message(
        QueueUrl=wiring.get_settings().queue_url,
        MessageBody=json.dumps({"message_id": message_id, "submission": submission}),
    )


def test_a_submission_leased_to_another_delivery_is_retried_not_run(configure, lambda_context):
    # Given a queued push whose submission another delivery is running right now
    configure(GITHUB)
    message_id = push(lambda_context)
    wiring.message_store().claim_submission(message_id, 1, "other-delivery", 60)

    # When this delivery arrives
    drained = drain_queue(new_context())

    # Then it is reported failed (SQS retries it later) and ran nothing
    assert len(drained["failed"]) == 1
    assert stored(message_id).executions == []


def test_a_resubmission_supersedes_an_older_submission_still_queued(configure, lambda_context):
    # Given a push queued, and resubmitted before the queue was drained
    configure(GITHUB)
    message_id = push(lambda_context)
    call("POST", f"/messages/{message_id}/resubmit")

    # When both queue records are processed
    assert drain_queue(new_context())["received"] == 2

    # Then only the latest submission ran its functions; the first says why it did not
    detail = stored(message_id)
    by_number = {s.submission: s for s in detail.submissions}
    assert by_number[1].status is Status.SUPERSEDED
    assert by_number[1].reason == "superseded by submission 2"
    assert by_number[2].status is Status.SUCCESS
    assert {e.submission for e in detail.executions} == {2}
    assert detail.message.status is Status.SUCCESS


def test_a_redrive_after_a_resubmit_does_not_run_the_stale_submission(configure, lambda_context):
    # Given a message processed, resubmitted and processed again
    configure(GITHUB)
    message_id = push(lambda_context)
    call("POST", f"/messages/{message_id}/resubmit")
    drain_queue(new_context())
    runs = len(stored(message_id).executions)

    # When an old record of submission 1 comes back (a redrive from the dead-letter queue)
    queued(message_id, 1)
    drained = drain_queue(new_context())

    # Then it is acknowledged and nothing runs again
    assert drained == {"received": 1, "failed": set()}
    assert len(stored(message_id).executions) == runs


def test_a_submission_cut_off_twice_fails_without_running_again(configure, lambda_context):
    # Given a push whose processing was cut off twice (claimed, never finished nor released)
    configure(GITHUB)
    message_id = push(lambda_context)
    for attempt in ("crashed-1", "crashed-2"):
        wiring.message_store().claim_submission(message_id, 1, attempt, 0)

    # When the queue delivers it a third time
    drained = drain_queue(new_context())

    # Then it is FAILED with the reason, acknowledged, and no function ran
    detail = stored(message_id)
    assert drained["failed"] == set()
    assert detail.message.status is Status.FAILED
    assert "2 earlier attempts ended with neither an outcome nor a release" in (
        detail.message.reason or ""
    )
    assert detail.executions == []


def test_a_body_nested_past_the_parser_limit_fails_with_the_reason(configure, lambda_context):
    # Given a JSON body nested deeper than Python's recursion limit
    configure(GITHUB.replace("return hmac.compare_digest", "return True or hmac.compare_digest"))
    deep = b"[" * 100_000 + b"]" * 100_000
    _, body = ingest(http_event("git/push", deep), lambda_context)

    # When it is processed
    drained = drain_queue(new_context())

    # Then the function reading the payload fails with the reason, on the first delivery
    # (scripts build their names in the script worker, so only that execution fails)
    detail = stored(body["message_id"])
    errors = {e.function: e.error for e in detail.executions}
    assert drained["failed"] == set()
    assert detail.message.status is Status.FAILED
    assert errors["log push"] == "RecursionError: the payload is nested too deeply to parse"
    assert errors["project"] == "KeyError: 'projectId' (line 1)"  # no query string here


def test_the_last_delivery_marks_the_message_dead_and_a_redrive_revives_it(
    configure, lambda_context, monkeypatch
):
    # Given a queue that gives up after one delivery, and DynamoDB failing reads of the
    # configuration
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "1")
    configure(GITHUB)
    message_id = push(lambda_context)
    wiring.reset()
    store = wiring.config_store()
    read, failing = store.revision, [True]

    def revision() -> int:
        if failing:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "GetItem")
        return read()

    monkeypatch.setattr(store, "revision", revision)

    # When that delivery fails
    drained = drain_queue(new_context())

    # Then the record fails towards the dead-letter queue and the message says DEAD, and why
    assert len(drained["failed"]) == 1
    dead = call("GET", f"/messages/{message_id}")[1]
    assert dead["status"] == "DEAD"
    assert "ThrottlingException" in dead["reason"]

    # When DynamoDB is back and the record comes back (a redrive)
    failing.clear()
    queued(message_id)
    drain_queue(new_context())

    # Then it runs, once
    assert stored(message_id).message.status is Status.SUCCESS
    assert len(stored(message_id).executions) == 2


def test_functions_share_one_budget_per_submission(configure, lambda_context, monkeypatch):
    # Given three functions that would each run until their own limit, and a small budget
    monkeypatch.setenv("SUBMISSION_BUDGET_SECONDS", "1")
    configure(slow_functions(3))
    wiring.reset()
    _, body = ingest(http_event("loop", b"{}"), lambda_context)

    # When the submission is processed
    drained = drain_queue(new_context())

    # Then every function is recorded FAILED within the budget, and the record is done
    detail = stored(body["message_id"])
    assert drained["failed"] == set()
    assert detail.message.status is Status.FAILED
    assert len(detail.executions) == 3
    assert all("Timeout" in (e.error or "") for e in detail.executions)


@pytest.mark.parametrize("left_ms", [0, 14_999])
def test_a_record_without_time_left_is_queued_again_not_failed(configure, left_ms):
    # Given a push queued, and an invocation with less than reserve + minimum left
    configure(GITHUB)
    message_id = push(ShortContext())

    # When the record arrives with that little time
    drained = drain_queue(ShortContext(left_ms=left_ms))

    # Then it is acknowledged and queued afresh, not run; the next delivery runs it
    assert drained == {"received": 1, "failed": set()}
    assert stored(message_id).executions == []
    assert drain_queue(ShortContext())["received"] == 1
    assert stored(message_id).message.status is Status.SUCCESS


def test_a_function_logging_at_the_caps_is_recorded_once(configure, lambda_context):
    # Given a function that would log 200 entries of 4,000 characters (800 KB), then fail
    configure(
        SLOW
        + "      - name: chatty\n        uri: loop\n        script: |\n"
        + "          for i in range(200):\n              log.info('x' * 4000)\n"
        + "          raise ValueError('done')\n"
    )
    _, body = ingest(http_event("loop", b"{}"), lambda_context)

    # When it is processed
    drained = drain_queue(new_context())

    # Then its execution is stored once, on the first delivery, failed at the log limit with
    # the logs up to it
    (execution,) = stored(body["message_id"]).executions
    assert drained["failed"] == set()
    assert (execution.error or "").startswith("LogLimitError: more than 65,536 bytes of logs")
    assert len(execution.logs) == 16


def test_evaluations_of_many_chatty_providers_fit_the_submission_record(configure, lambda_context):
    # Given sixty providers whose match scripts log 8 KB each and do not match
    chatty = "".join(
        f"  - name: p{n}\n    match_script: |\n      log.info('y' * 4000)\n      log.info('y' * 4000)\n      return False\n"
        for n in range(60)
    )
    configure("providers:\n" + chatty)
    _, body = ingest(http_event("loop", b"{}"), lambda_context)

    # When the message is processed by an invocation with an hour left, however long sixty
    # script runs take on a busy machine (the budget is this test's, not the machine's speed)
    drained = drain_queue(ShortContext(left_ms=3_600_000))

    # Then it is UNMATCHED, with every evaluation recorded (their logs dropped, with a note)
    detail = stored(body["message_id"])
    (submission,) = detail.submissions
    assert drained["failed"] == set()
    assert detail.message.status is Status.UNMATCHED
    assert len(submission.evaluations) == 60
    assert "over the item size limit" in submission.evaluations[0].logs[0].message
