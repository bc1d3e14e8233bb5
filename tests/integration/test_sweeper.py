"""The sweeper: messages left unfinished past every retry are queued again, then given up."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta

import boto3

from sweeper.handler import lambda_handler as sweeper_handler
from tests.conftest import http_event, new_context
from tests.integration.sqs import drain_queue
from tests.integration.test_faults import push
from tests.integration.test_pipeline import GITHUB, stored
from webhook_engine import wiring
from webhook_engine.domain.models import Status


def receive() -> dict:
    url = wiring.get_settings().queue_url
    return boto3.client("sqs").receive_message(QueueUrl=url)["Messages"][0]


def purge() -> None:
    boto3.client("sqs").purge_queue(QueueUrl=wiring.get_settings().queue_url)


def sweep_later() -> tuple[int, int]:
    """Sweep as it would run an hour from now: how many were queued again, and lost."""
    report = wiring.sweeper().sweep(datetime.now(UTC) + timedelta(hours=1))
    return len(report.requeued), len(report.lost)


def test_a_message_whose_queue_record_was_lost_is_queued_again(configure):
    # Given a stored push whose queue record is gone
    configure(GITHUB)
    message_id = push(new_context())
    purge()

    # When the sweeper runs past its threshold
    answer = sweep_later()

    # Then the message was queued again, and processing it finishes it
    assert answer == (1, 0)
    drain_queue(new_context())
    assert stored(message_id).message.status is Status.SUCCESS


def test_a_synchronous_request_cut_off_mid_processing_is_finished_by_the_sweeper(configure):
    # Given a push whose processing was cut off after its claim (runtime killed), unqueued
    configure(GITHUB)
    message_id = push(new_context())
    purge()
    wiring.message_store().claim_submission(message_id, 1, "killed-runtime", 0)

    # When the sweeper runs and the queue is drained
    sweep_later()
    drain_queue(new_context())

    # Then the message is finished, its functions run once
    detail = stored(message_id)
    assert detail.message.status is Status.SUCCESS
    assert len(detail.executions) == 2


def test_recent_and_finished_messages_are_left_alone(configure):
    # Given one finished message and one unfinished but recent (default threshold: 35 min)
    configure(GITHUB)
    done = push(new_context())
    drain_queue(new_context())
    push(new_context())
    purge()

    # When the scheduled sweeper runs now
    answer = sweeper_handler(
        {"source": "aws.events", "detail-type": "Scheduled Event"}, new_context()
    )

    # Then nothing is queued
    assert answer == {"requeued": 0, "lost": 0}
    assert stored(done).message.status is Status.SUCCESS


def test_a_message_swept_too_often_is_given_up_as_lost(configure):
    # Given a message that never finishes however often it is queued again
    configure(GITHUB)
    message_id = push(new_context())

    # When the sweeper finds it four times
    reports = [sweep_later() for _ in range(4)]
    purge()

    # Then it was queued three times, then FAILED as lost, with the reason
    assert reports == [(1, 0)] * 3 + [(0, 1)]
    message = stored(message_id).message
    assert message.status is Status.FAILED
    assert "lost" in (message.reason or "")


def test_an_enqueue_failure_is_recovered(configure, monkeypatch):
    # Given SQS refusing the ingest's enqueue (the sender got 202 with the id all the same)
    configure(GITHUB)
    queue, down = wiring.queue(), [True]
    send = queue.send

    def refuse(message_id: str, submission: int) -> None:
        if down:
            raise RuntimeError("SQS is down")
        send(message_id, submission)

    monkeypatch.setattr(queue, "send", refuse)
    event = http_event("git/push", b"{}", query="projectId=1")
    response = wiring.ingest().handle(event)
    message_id = json.loads(response["body"])["message_id"]
    down.clear()

    # When the sweeper runs later
    answer = sweep_later()

    # Then the message is queued again
    assert response["statusCode"] == 202
    assert answer == (1, 0)
    assert json.loads(receive()["Body"])["message_id"] == message_id


def test_a_sweep_that_finds_nothing_still_reports_its_counts(configure, capsys):
    # Given nothing left unfinished
    configure(GITHUB)

    # When the scheduled sweeper runs, turning warnings into errors
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answer = sweeper_handler(
            {"source": "aws.events", "detail-type": "Scheduled Event"}, new_context()
        )

    # Then it found nothing, and said so in its metrics (zeros) rather than in a warning
    assert answer == {"requeued": 0, "lost": 0}
    emitted = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line
    ]
    names = {
        m["Name"] for e in emitted for d in e["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    }
    assert {"MessagesSwept", "MessagesLost", "MessagesNotSwept"} <= names
