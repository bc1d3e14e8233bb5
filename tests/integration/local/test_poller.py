"""The local event source mapping: delete what succeeded, retry what failed, redrive at 5."""

import json
from typing import Any

import boto3
import pytest

from webhooks_local.poller import QueuePoller
from webhooks_local.workers import FunctionError
from webhooks_testbed.sqs_events import sources


class Function:
    """A stand-in for the process function: records events, answers as told."""

    def __init__(self, fail: set[str] | None = None, error: Exception | None = None):
        self.events: list[dict[str, Any]] = []
        self.fail = fail or set()
        self.error = error

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        if self.error:
            raise self.error
        return {
            "batchItemFailures": [
                {"itemIdentifier": record["messageId"]}
                for record in event["Records"]
                if json.loads(record["body"])["id"] in self.fail
            ]
        }


@pytest.fixture
def sqs(stack):
    return boto3.client("sqs", region_name="us-east-1")


def poller_for(stack, sqs, function, lease: int = 0) -> QueuePoller:
    return QueuePoller(sqs, sources(stack)[0], function, delay=0, lease=lease, wait_seconds=0)


def send(sqs, stack, *ids: str) -> None:
    for message_id in ids:
        sqs.send_message(
            QueueUrl=stack.refs["WebhookQueue"], MessageBody=json.dumps({"id": message_id})
        )


def queued(sqs, url) -> list[str]:
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return sorted(json.loads(message["Body"])["id"] for message in answer.get("Messages", []))


def test_batch_event_is_built_from_the_received_messages(stack, sqs):
    # Given
    send(sqs, stack, "a", "b")
    function = Function()

    # When
    handled = poller_for(stack, sqs, function).poll_once()

    # Then
    assert handled == 2
    records = function.events[0]["Records"]
    assert sorted(json.loads(record["body"])["id"] for record in records) == ["a", "b"]
    assert {record["eventSourceARN"] for record in records} == {
        stack.attrs[("WebhookQueue", "Arn")]
    }
    assert {record["attributes"]["ApproximateReceiveCount"] for record in records} == {"1"}


def test_succeeded_records_are_deleted_and_failed_ones_come_back(stack, sqs):
    # Given
    send(sqs, stack, "ok", "bad")
    poller = poller_for(stack, sqs, Function(fail={"bad"}))

    # When
    poller.poll_once()

    # Then
    assert queued(sqs, stack.refs["WebhookQueue"]) == ["bad"]


def test_a_function_error_leaves_the_whole_batch(stack, sqs):
    # Given
    send(sqs, stack, "a", "b")
    poller = poller_for(stack, sqs, Function(error=FunctionError("Traceback: boom")))

    # When
    poller.poll_once()

    # Then
    assert queued(sqs, stack.refs["WebhookQueue"]) == ["a", "b"]


def test_the_batch_of_a_failed_invocation_waits_out_the_lease_of_its_attempt(stack, sqs):
    # Given a batch whose worker is killed mid-script (its attempt keeps its 30 s lease), and
    # one whose function reports a record failed
    send(sqs, stack, "killed")
    crashed = poller_for(stack, sqs, Function(error=FunctionError("Runtime exited")), lease=30)
    crashed.poll_once()
    send(sqs, stack, "reported")
    reported = poller_for(stack, sqs, Function(fail={"reported"}), lease=30)
    reported.poll_once()

    # When the poller looks again at once
    again = [json.loads(r["body"])["id"] for r in _received(sqs, stack)]

    # Then the reported record is back after the retry delay; the crashed batch is not, until
    # the lease its attempt holds has run out (as the visibility timeout outlasts it on AWS)
    assert again == ["reported"]


def _received(sqs, stack) -> list[dict]:
    answer = sqs.receive_message(QueueUrl=stack.refs["WebhookQueue"], MaxNumberOfMessages=10)
    return [{"body": message["Body"]} for message in answer.get("Messages", [])]


def test_a_record_failing_five_times_moves_to_the_dead_letter_queue(stack, sqs):
    # Given
    send(sqs, stack, "poison", "fine")
    function = Function(fail={"poison"})
    poller = poller_for(stack, sqs, function)

    # When
    for _ in range(6):
        poller.poll_once()

    # Then
    received = [json.loads(r["body"])["id"] for event in function.events for r in event["Records"]]
    assert received.count("poison") == 5
    assert received.count("fine") == 1
    assert queued(sqs, stack.refs["WebhookQueue"]) == []
    assert queued(sqs, stack.refs["DeadLetterQueue"]) == ["poison"]


def test_failed_records_wait_the_local_retry_delay(stack, sqs):
    # Given
    send(sqs, stack, "bad")
    poller = QueuePoller(sqs, sources(stack)[0], Function(fail={"bad"}), delay=30, wait_seconds=0)

    # When
    poller.poll_once()

    # Then
    assert poller.poll_once() == 0
