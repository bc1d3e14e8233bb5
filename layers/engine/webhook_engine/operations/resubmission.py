"""Resubmit a stored message: a new numbered submission, processed again through the queue."""

from __future__ import annotations

from webhook_engine.domain.models import Mode, Submission
from webhook_engine.domain.ports import MessageStore, Queue


def resubmit(message_id: str, messages: MessageStore, queue: Queue) -> Submission:
    """Number a new submission and queue it; earlier executions stay on record."""
    submission = messages.add_submission(message_id, Mode.RESUBMIT)
    queue.send(message_id, submission.submission)
    return submission
