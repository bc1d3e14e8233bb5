"""Resubmission: a new numbered submission, queued; earlier ones stay on record."""

from __future__ import annotations

import pytest

from tests.fakes import FakeQueue
from tests.unit.builders import message, message_store
from webhook_engine.domain.errors import NotFoundError
from webhook_engine.domain.models import Mode, Status
from webhook_engine.operations.resubmission import resubmit


def test_resubmit_numbers_a_new_submission_and_queues_it():
    # Given a stored message
    messages, queue = message_store(message("m-1")), FakeQueue()

    # When it is resubmitted twice
    first = resubmit("m-1", messages, queue)
    second = resubmit("m-1", messages, queue)

    # Then
    detail = messages.get_detail("m-1")
    assert (first.submission, second.submission) == (2, 3)
    assert queue.sent == [("m-1", 2), ("m-1", 3)]
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
        resubmit("nope", message_store(), queue)
    assert queue.sent == []
