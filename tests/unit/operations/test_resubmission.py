"""Resubmission: new numbered submissions, queued; earlier ones stay on record."""

from __future__ import annotations

import pytest

from tests.fakes import FakeQueue
from tests.unit.builders import message, message_store
from webhook_engine.domain.errors import NotFoundError
from webhook_engine.domain.models import Mode, Status
from webhook_engine.operations.resubmission import CHUNK, resubmit, resubmit_many


def test_resubmit_numbers_a_new_submission_and_queues_it():
    # Given a stored message
    messages, queue = message_store(message("m-1")), FakeQueue()

    # When it is resubmitted twice
    first = resubmit("m-1", messages, queue, config_revision=7)
    second = resubmit("m-1", messages, queue, config_revision=8)

    # Then
    detail = messages.get_detail("m-1")
    assert (first.submission, second.submission) == (2, 3)
    assert queue.sent == [("m-1", 2), ("m-1", 3)]
    assert queue.revisions == [7, 8]  # each runs with the configuration of its time, or later
    assert [(s.submission, s.mode) for s in detail.submissions] == [
        (1, Mode.ASYNC),
        (2, Mode.RESUBMIT),
        (3, Mode.RESUBMIT),
    ]
    assert (detail.message.submission_count, detail.message.status) == (3, Status.RECEIVED)


def test_resubmitting_an_unknown_message_queues_nothing():
    # Given
    queue = FakeQueue()

    # When / Then
    with pytest.raises(NotFoundError):
        resubmit("nope", message_store(), queue, config_revision=1)
    assert queue.sent == []


def stored(count: int):
    """A store with `count` messages, m-000 onwards."""
    ids = [f"m-{number:03d}" for number in range(count)]
    return ids, message_store(*(message(message_id) for message_id in ids))


def test_resubmit_many_writes_and_queues_every_chunk():
    # Given more messages than one chunk holds
    ids, messages = stored(CHUNK * 2 + 5)
    queue = FakeQueue()

    # When they are resubmitted, one of them twice in the list
    done = resubmit_many([*ids, ids[0]], messages, queue, budget=60, config_revision=1)

    # Then each got one new submission, queued once
    assert (done.message_ids, done.remaining, done.error) == (ids, [], None)
    assert queue.sent == [(message_id, 2) for message_id in ids]
    assert {messages.get_message(m).submission_count for m in ids} == {2}


def test_resubmit_many_with_an_unknown_id_does_nothing():
    # Given
    ids, messages = stored(3)
    queue = FakeQueue()

    # When / Then the unknown id is named and nothing was resubmitted
    with pytest.raises(NotFoundError, match="nope"):
        resubmit_many([*ids, "nope"], messages, queue, budget=60, config_revision=1)
    assert queue.sent == []
    assert {messages.get_message(m).submission_count for m in ids} == {1}


def test_resubmit_many_without_time_left_reports_what_remains():
    # Given a budget already spent
    ids, messages = stored(3)

    # When
    done = resubmit_many(ids, messages, FakeQueue(), budget=0, config_revision=1)

    # Then
    assert (done.message_ids, done.remaining) == ([], ids)


class FailingSecondTime(FakeQueue):
    """A queue that refuses the second batch it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.batches = 0

    def send_many(self, submissions, config_revision=None):
        self.batches += 1
        if self.batches == 2:
            raise RuntimeError("SQS is down")
        super().send_many(submissions, config_revision)


def test_resubmit_many_reports_exactly_what_was_done_when_a_later_chunk_fails():
    # Given a queue that fails on the second chunk
    ids, messages = stored(CHUNK + 3)

    # When
    done = resubmit_many(ids, messages, FailingSecondTime(), budget=60, config_revision=1)

    # Then the first chunk is reported done, the rest remaining, with the error
    assert (done.message_ids, done.remaining) == (ids[:CHUNK], ids[CHUNK:])
    assert done.error == "RuntimeError: SQS is down"
