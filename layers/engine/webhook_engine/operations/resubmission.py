"""Resubmit stored messages: new numbered submissions, processed again through the queue."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from webhook_engine.domain.errors import NotFoundError, describe_error
from webhook_engine.domain.models import Mode, Submission
from webhook_engine.domain.ports import Queue, Resubmissions

CHUNK = 50  # messages per transaction (each new submission is two items of at most 100)


@dataclass
class Resubmitted:
    """Which messages got a new submission (queued), and which were not reached."""

    message_ids: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    error: str | None = None  # why the rest was not reached, when not for lack of time


def resubmit(
    message_id: str, messages: Resubmissions, queue: Queue, config_revision: int
) -> Submission:
    """Number a new submission and queue it, to run with the configuration at
    `config_revision` or later; earlier executions stay on record."""
    (submission,) = messages.add_submissions([message_id], Mode.RESUBMIT)
    queue.send(message_id, submission.submission, config_revision)
    return submission


def resubmit_many(
    message_ids: Sequence[str],
    messages: Resubmissions,
    queue: Queue,
    budget: float,
    config_revision: int,
) -> Resubmitted:
    """Resubmit in chunks while `budget` seconds last; report exactly what was done.

    Every id is checked first (NotFoundError naming the unknown ones, nothing done). Each
    chunk's submissions are written in one transaction, then queued. When a chunk fails after
    others succeeded, the answer says which were done and which remain, with the error.
    """
    ids = list(dict.fromkeys(message_ids))
    unknown = messages.unknown_ids(ids)
    if unknown:
        raise NotFoundError(f"messages not found: {', '.join(unknown[:20])}")
    deadline = time.monotonic() + budget
    done = Resubmitted()
    for start in range(0, len(ids), CHUNK):
        if time.monotonic() >= deadline:
            done.remaining = ids[start:]
            break
        chunk = ids[start : start + CHUNK]
        try:
            submissions = messages.add_submissions(chunk, Mode.RESUBMIT)
            numbered = [(m, s.submission) for m, s in zip(chunk, submissions, strict=True)]
            queue.send_many(numbered, config_revision)
        except Exception as error:
            if not done.message_ids:
                raise
            done.remaining, done.error = ids[start:], describe_error(error)
            break
        done.message_ids += chunk
    return done
