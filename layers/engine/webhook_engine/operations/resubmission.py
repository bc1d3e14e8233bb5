"""Resubmit stored messages: a new numbered submission, processed again through the queue."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from admin.views import MessageQuery
from webhook_engine.domain.models import Mode
from webhook_engine.domain.ports import MessageFilter, MessageStore, Queue

MAX_BULK = 1000


class BulkResubmitRequest(BaseModel):
    """Either explicit ids or a filter (e.g. every FAILED message of the last hour)."""

    ids: list[str] | None = Field(default=None, max_length=MAX_BULK)
    filter: MessageQuery | None = None
    limit: int = Field(default=100, ge=1, le=MAX_BULK)

    @model_validator(mode="after")
    def _one_selector(self) -> BulkResubmitRequest:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter")
        return self


class ResubmitOut(BaseModel):
    message_id: str
    submission: int


class BulkResubmitOut(BaseModel):
    count: int
    message_ids: list[str]


def resubmit(message_id: str, messages: MessageStore, queue: Queue) -> ResubmitOut:
    """Number a new submission and queue it; earlier executions stay on record."""
    submission = messages.add_submission(message_id, Mode.RESUBMIT)
    queue.send(message_id, submission.submission)
    return ResubmitOut(message_id=message_id, submission=submission.submission)


def matching_ids(filters: MessageFilter, limit: int, messages: MessageStore) -> list[str]:
    """Ids of the newest messages matching `filters`, at most `limit`."""
    ids: list[str] = []
    cursor: str | None = None
    while len(ids) < limit:
        page = messages.list_messages(filters, min(200, limit - len(ids)), cursor)
        ids += [message.id for message in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    return ids
