"""Records tell the truth under faults of DynamoDB: what ran is counted, what did not happen is
not claimed (docs/operations.md, "Guarantees")."""

from __future__ import annotations

import boto3

from tests.conftest import new_context
from tests.integration.faults import Fault, faults, updating
from tests.integration.sqs import drain_queue
from tests.integration.test_faults import push, queued
from tests.integration.test_pipeline import GITHUB, stored
from webhook_engine import wiring
from webhook_engine.adapters.message_items import message_key
from webhook_engine.domain.models import Status

OUTCOME = updating("finished", "started_at", "status")  # the record and outcome of a submission
RELEASE = updating("releases")  # a lease given back after an error
CLAIM = updating("attempts")


def test_a_run_whose_outcome_was_not_written_is_counted_by_its_release(configure):
    # Given a push whose first outcome write is throttled (the lease is given back)
    configure(GITHUB)
    message_id = push(new_context())
    with faults(Fault("UpdateItem", OUTCOME, times=1)):
        first = drain_queue(new_context())

    # When the queue delivers it again and it runs to its end
    again = _deliver_again(message_id)

    # Then the record says the functions ran twice, the first outcome being unknown
    detail = stored(message_id)
    (submission,) = detail.submissions
    assert len(first["failed"]) == 1
    assert again["failed"] == set()
    assert detail.message.status is Status.SUCCESS
    assert submission.attempts == 2
    assert "ran 2 times" in (submission.reason or "")
    assert "1 earlier run" in (submission.reason or "")


def test_attempts_whose_outcome_and_release_were_refused_are_not_called_cut_offs(configure):
    # Given a push whose outcome write and lease release are both throttled on two deliveries
    configure(GITHUB)
    message_id = push(new_context())
    with faults(Fault("UpdateItem", OUTCOME), Fault("UpdateItem", RELEASE)):
        drain_queue(new_context())
        _expire_leases(message_id)
        _deliver_again(message_id)
    _expire_leases(message_id)

    # When the third delivery comes
    _deliver_again(message_id)

    # Then it runs nothing more, and its reason claims no cut-off: the outcome is unknown
    reason = stored(message_id).message.reason or ""
    assert stored(message_id).message.status is Status.FAILED
    assert "cut off 2 times" not in reason
    assert "outcome unknown" in reason
    assert "2 earlier attempts" in reason


def test_a_lost_claim_answer_is_recognised_as_our_own(configure):
    # Given a push whose claim is applied but whose answer is lost (the SDK sends it again)
    configure(GITHUB)
    message_id = push(new_context())

    # When the queue delivers it
    with faults(Fault("UpdateItem", CLAIM, lost=True, times=1)):
        drained = drain_queue(new_context())

    # Then the delivery runs it, once, and counts one attempt (no false cut-off)
    detail = stored(message_id)
    assert drained["failed"] == set()
    assert detail.message.status is Status.SUCCESS
    assert detail.submissions[0].attempts == 1
    assert len(detail.executions) == 2


def _deliver_again(message_id: str) -> dict:
    """The queue's next delivery of the submission (the failed record coming back)."""
    queued(message_id)
    return drain_queue(new_context())


def _expire_leases(message_id: str) -> None:
    """The lease of an attempt that could not give it back runs out (120 s later)."""
    table = boto3.resource("dynamodb").Table(wiring.get_settings().messages_table)
    table.update_item(
        Key=message_key(message_id),
        UpdateExpression="SET lease_expires = :past",
        ExpressionAttributeValues={":past": 0},
    )
