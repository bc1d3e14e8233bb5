"""Dead letters over HTTP: a submission that failed 5 times is redriven and processed again."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

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


def test_failed_submission_reaches_the_dead_letters_and_is_redriven(local_stack):
    # Given a message whose body lives in the payload bucket (over the inline limit)
    state = json.loads(local_stack.state_path.read_text())
    session = local_session(state["region"])
    s3 = session.client("s3", endpoint_url=state["moto_endpoint"])
    sqs = session.client("sqs", endpoint_url=state["moto_endpoint"])
    bucket = state["refs"]["PayloadBucket"]
    dead_letter_arn = state["environments"]["AdminFunction"]["DEAD_LETTER_QUEUE_ARN"]
    body = json.dumps({"blob": "x" * 300_000}).encode()
    headers = {"content-type": "application/json", "flex-sync-webhook": "true"}
    answer = local_stack.request("POST", "/webhooks/dead/letters", body, headers)
    message_id = answer.json()["message_id"]
    key = f"payloads/{message_id}"

    # ... and whose resubmission fails every time, its body being gone
    s3.delete_object(Bucket=bucket, Key=key)
    assert local_stack.admin("POST", f"/messages/{message_id}/resubmit").status == 202
    eventually(
        lambda: local_stack.admin("GET", "/dead-letters").json()["approximate_count"] == 1,
        "the submission to reach the dead-letter queue",
    )
    [failing] = local_stack.admin("GET", "/messages?uri=dead/letters&limit=1").json()["items"]

    # When the body is back and the dead-letter queue is redriven
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    redrive = local_stack.admin("POST", "/dead-letters/redrive")

    # Then the submission is processed again, to its end, and the dead-letter queue is empty
    finished = eventually(lambda: done(local_stack, message_id), "the redriven submission's end")
    [task] = sqs.list_message_move_tasks(SourceArn=dead_letter_arn)["Results"]
    assert answer.status == 404  # nothing matches it: UNMATCHED, body stored in S3
    assert (failing["id"], failing["status"]) == (message_id, "DEAD")
    assert "NoSuchKey" in failing["reason"]
    assert redrive.status == 202
    assert redrive.json()["method"] == "StartMessageMoveTask"
    assert redrive.json()["task_handle"]
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 1)
    assert [s["status"] for s in finished["submissions"]] == ["UNMATCHED", "UNMATCHED"]
    assert (finished["body_omitted"], finished["body_size"]) == (True, len(body))
    assert local_stack.admin("GET", "/dead-letters").json()["approximate_count"] == 0
