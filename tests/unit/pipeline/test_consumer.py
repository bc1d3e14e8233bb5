"""The consumer's decisions per SQS record: process, defer, retry, or give up."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import ShortContext
from tests.fakes import FakeQueue
from webhook_engine.domain.errors import SubmissionBusyError
from webhook_engine.pipeline.consumer import Consumer
from webhook_engine.sandbox.supervisor import SandboxUnavailableError
from webhooks_testbed.sqs_events import SqsSource, sqs_record

MAX_RECEIVES = 5


@dataclass
class FakeProcessor:
    """Stands in for Processor: raises `error` if set, records what it was asked."""

    error: Exception | None = None
    processed: list[tuple[str, int, float | None]] = field(default_factory=list)
    revisions: list[int | None] = field(default_factory=list)
    given_up: list[tuple[str, int, str]] = field(default_factory=list)

    def process(
        self,
        message_id: str,
        submission: int,
        budget: float | None = None,
        config_revision: int | None = None,
        owner: str | None = None,
    ) -> None:
        self.processed.append((message_id, submission, budget))
        self.revisions.append(config_revision)
        if self.error is not None:
            raise self.error

    def give_up(
        self, message_id: str, submission: int, error: Exception, owner: str | None = None
    ) -> None:
        self.given_up.append((message_id, submission, str(error)))


SOURCE = SqsSource(
    "ProcessFunction", "queue-url", "arn:aws:sqs:us-east-1:1:q", "us-east-1", 10, True
)


def record(message_id: str, submission: int = 1, receives: int = 1, body: Any = None) -> dict:
    """The event record of a message on its `receives`-th delivery."""
    body = {"message_id": message_id, "submission": submission} if body is None else body
    message = {
        "MessageId": f"sqs-{message_id}",
        "ReceiptHandle": "handle",
        "Body": json.dumps(body),
        "Attributes": {
            "ApproximateReceiveCount": str(receives),
            "SentTimestamp": "1",
            "SenderId": "x",
            "ApproximateFirstReceiveTimestamp": "1",
        },
        "MD5OfBody": "x",
    }
    return sqs_record(message, SOURCE)


class Setup:
    def __init__(self, processor: FakeProcessor | None = None) -> None:
        self.processor, self.queue = processor or FakeProcessor(), FakeQueue()
        self.consumer = Consumer(
            processor=self.processor,  # type: ignore[arg-type]
            queue=self.queue,
            budget=20.0,
            reserve=5.0,
            minimum=3.0,
            max_receives=MAX_RECEIVES,
        )

    def handle(self, *records: dict, remaining_ms: int = 30_000) -> set[str]:
        """The ids of the records reported failed (left for SQS to retry)."""
        answer = self.consumer.handle(
            {"Records": list(records)}, ShortContext(left_ms=remaining_ms)
        )
        return {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}


@pytest.fixture
def setup() -> Setup:
    return Setup()


@pytest.mark.parametrize(
    ("remaining_ms", "budget"),
    [(60_000, 20.0), (15_000, 10.0)],
    ids=["the budget", "what is left of the invocation"],
)
def test_a_record_is_processed_within_the_smaller_of_budget_and_time_left(
    setup, remaining_ms, budget
):
    # Given an invocation with `remaining_ms` left (5 s are kept back)
    # When
    failed = setup.handle(record("m-1", 2), remaining_ms=remaining_ms)

    # Then
    assert failed == set()
    assert setup.processor.processed == [("m-1", 2, budget)]


def test_a_record_without_enough_time_left_is_queued_again_not_failed(setup):
    # Given an invocation with 7 s left: 2 s after the reserve, under the 3 s minimum
    # When
    failed = setup.handle(record("m-1", 2), remaining_ms=7_000)

    # Then
    assert failed == set()
    assert setup.processor.processed == []
    assert setup.queue.sent == [("m-1", 2)]


class FailsM2(FakeProcessor):
    def process(
        self,
        message_id: str,
        submission: int,
        budget: float | None = None,
        config_revision: int | None = None,
        owner: str | None = None,
    ) -> None:
        super().process(message_id, submission, budget, config_revision, owner)
        if message_id == "m-2":
            raise RuntimeError("DynamoDB throttled")


def test_one_failing_record_does_not_fail_the_others():
    # Given a processor that fails only the second message
    setup = Setup(FailsM2())

    # When
    failed = setup.handle(record("m-1"), record("m-2"), record("m-3"))

    # Then
    assert failed == {"sqs-m-2"}
    assert [m for m, _, _ in setup.processor.processed] == ["m-1", "m-2", "m-3"]


@pytest.mark.parametrize(
    ("error", "receives", "given_up"),
    [
        (RuntimeError("DynamoDB throttled"), 1, []),
        (RuntimeError("DynamoDB throttled"), MAX_RECEIVES, [("m-1", 1, "DynamoDB throttled")]),
        # a lease held until the end by an attempt that crashed: the queue gives up all the same
        (SubmissionBusyError("busy"), MAX_RECEIVES, [("m-1", 1, "busy")]),
    ],
    ids=["an early delivery", "the last delivery", "busy on the last delivery"],
)
def test_a_failure_is_retried_and_the_last_delivery_gives_up(setup, error, receives, given_up):
    # Given a processor that raises
    setup.processor.error = error

    # When the record fails on its `receives`-th delivery
    failed = setup.handle(record("m-1", receives=receives))

    # Then it is left for SQS either way; the last delivery also marks it DEAD
    assert failed == {"sqs-m-1"}
    assert setup.processor.given_up == given_up


def test_scripts_that_could_not_run_on_the_last_delivery_end_failed_not_dead_lettered(setup):
    # Given a processor whose script processes cannot start
    setup.processor.error = SandboxUnavailableError("script processes cannot start: no zygote")

    # When the record fails on an early delivery, then on its last
    early = setup.handle(record("m-1", receives=1))
    last = setup.handle(record("m-1", receives=MAX_RECEIVES))

    # Then the early one is retried; the last one is given up (FAILED) and not dead-lettered
    assert early == {"sqs-m-1"}
    assert last == set()
    assert setup.processor.given_up == [("m-1", 1, "script processes cannot start: no zygote")]


@pytest.mark.parametrize(
    "body",
    [{"message_id": "m-1"}, {"message_id": "", "submission": 1}, "not an object"],
    ids=["no submission", "empty id", "not an object"],
)
def test_a_record_that_is_not_a_submission_fails_without_processing(setup, body):
    # Given a record whose body is not a queue message
    # When
    failed = setup.handle(record("m-1", body=body))

    # Then
    assert failed == {"sqs-m-1"}
    assert setup.processor.processed == []


def test_the_required_configuration_revision_reaches_processing_and_survives_a_deferral():
    # Given a resubmission's record (it carries a revision) and one without
    resubmitted = record("m-1", body={"message_id": "m-1", "submission": 2, "config_revision": 9})
    setup = Setup()

    # When both are processed, then the resubmission arrives with no time left
    setup.handle(resubmitted, record("m-2"))
    late = Setup()
    late.handle(resubmitted, remaining_ms=0)

    # Then processing was asked for revision 9 (and any for the other); the deferred copy keeps 9
    assert setup.processor.revisions == [9, None]
    assert late.queue.revisions == [9]
