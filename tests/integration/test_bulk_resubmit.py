"""Bulk resubmission: every id checked first, atomic submissions, chunks reported exactly."""

from __future__ import annotations

import boto3
import pytest

from admin import messages as routes
from tests.integration.admin_client import call
from tests.integration.test_admin_operations import CONFIG, send
from webhook_engine import wiring


def queued_count() -> int:
    url = wiring.get_settings().queue_url
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def submission_counts(ids: list[str]) -> list[int]:
    return [wiring.message_store().get_message(m).submission_count for m in ids]


@pytest.fixture
def stored(stack) -> list[str]:
    """Sixty stored messages (more than one chunk), their queue drained."""
    call("PUT", "/config", CONFIG)
    ids = [send("invoice.paid") for _ in range(60)]
    boto3.client("sqs").purge_queue(QueueUrl=wiring.get_settings().queue_url)
    return ids


def test_every_id_is_resubmitted_and_queued_across_chunks(stored, monkeypatch):
    # Given time enough, however slow moto's transactions are on a loaded machine
    monkeypatch.setattr(routes, "BULK_BUDGET_SECONDS", 600.0)

    # When all sixty are resubmitted by id
    status, answer = call("POST", "/messages/resubmit", {"ids": stored})

    # Then each has exactly one new submission, queued, and the answer names them all
    assert status == 202
    assert (answer["count"], answer["message_ids"], answer["remaining"]) == (60, stored, [])
    assert submission_counts(stored) == [2] * 60
    assert queued_count() == 60


def test_one_unknown_id_refuses_the_whole_list_before_anything(stored):
    # When the list holds one id that is not a message
    status, body = call("POST", "/messages/resubmit", {"ids": [*stored[:3], "01NOTAMESSAGE"]})

    # Then it is a 404 naming it, and no message got a submission
    assert status == 404
    assert "01NOTAMESSAGE" in body["error"]["message"]
    assert submission_counts(stored[:3]) == [1, 1, 1]
    assert queued_count() == 0


def test_a_selection_larger_than_the_time_allows_reports_what_remains(stored, monkeypatch):
    # Given no time for a single chunk
    monkeypatch.setattr(routes, "BULK_BUDGET_SECONDS", 0.0)

    # When
    status, answer = call("POST", "/messages/resubmit", {"ids": stored})

    # Then nothing was done and everything is reported remaining, to send again
    assert (status, answer["count"], answer["remaining"]) == (202, 0, stored)
    assert submission_counts(stored) == [1] * 60


def test_a_failure_after_the_first_chunk_reports_exactly_what_was_done(stored, monkeypatch):
    # Given SQS refusing the second chunk (and time enough for it)
    monkeypatch.setattr(routes, "BULK_BUDGET_SECONDS", 600.0)
    queue, sent = wiring.queue(), []

    def send_many(submissions, config_revision=None):
        if sent:
            raise RuntimeError("SQS is down")
        sent.append(submissions)
        type(queue).send_many(queue, submissions, config_revision)

    monkeypatch.setattr(queue, "send_many", send_many)

    # When all sixty are resubmitted
    status, answer = call("POST", "/messages/resubmit", {"ids": stored})

    # Then the first chunk is reported done and queued, the rest remaining, with the error
    assert status == 202
    assert (answer["message_ids"], answer["remaining"]) == (stored[:50], stored[50:])
    assert "SQS is down" in answer["error"]
    assert queued_count() == 50
