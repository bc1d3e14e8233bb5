"""Messages as the admin API shows them: credentials in headers and query strings masked."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from webhook_engine.domain.masking import MASK, mask_headers, mask_parameters, mask_query_string
from webhook_engine.domain.models import (
    Evaluation,
    Execution,
    Message,
    MessageDetail,
    Status,
    Submission,
)
from webhook_engine.domain.ports import MessageFilter
from webhook_engine.domain.times import parse_time
from webhook_engine.domain.uris import normalise_uri


class MessageQuery(BaseModel):
    """Message filters as the API takes them: times as text, ISO 8601 or relative."""

    status: Status | None = None
    provider: str | None = None
    function: str | None = None
    uri: str | None = None
    since: str | None = None
    until: str | None = None

    def to_filter(self) -> MessageFilter:
        return MessageFilter(
            status=self.status,
            provider=self.provider,
            function=self.function,
            uri=normalise_uri(self.uri) if self.uri else None,
            since=parse_time(self.since),
            until=parse_time(self.until),
        )


class MessageSummaryOut(BaseModel):
    id: str
    status: str
    received_at: datetime
    method: str
    uri: str
    provider: str | None
    message: str | None
    source_ip: str
    submission_count: int
    functions: list[str]
    reason: str | None = Field(
        default=None, description="Why the latest submission failed outside its scripts"
    )


class MessagePageOut(BaseModel):
    items: list[MessageSummaryOut]
    next_cursor: str | None


class MessageOut(MessageSummaryOut):
    query: dict[str, str]
    query_string: str
    headers: dict[str, str]
    body: str
    body_encoding: Literal["text", "base64"]
    body_size: int
    submissions: list[Submission]
    evaluations: list[Evaluation]
    executions: list[Execution]


def summary(message: Message) -> MessageSummaryOut:
    return MessageSummaryOut.model_validate(message.model_dump() | {"message": message.summary})


def detail(found: MessageDetail) -> MessageOut:
    message = found.message
    try:
        body, encoding = message.body.decode("utf-8"), "text"
    except UnicodeDecodeError:
        body, encoding = base64.b64encode(message.body).decode(), "base64"
    latest = max(found.submissions, key=lambda s: s.submission, default=None)
    return MessageOut(
        **summary(message).model_dump(),
        query=mask_parameters(message.query, MASK),
        query_string=mask_query_string(message.query_string),
        headers=mask_headers(message.headers),
        body=body,
        body_encoding=encoding,
        body_size=len(message.body),
        submissions=sorted(found.submissions, key=lambda s: s.submission),
        evaluations=latest.evaluations if latest else [],
        executions=sorted(found.executions, key=lambda e: (e.submission, e.started_at)),
    )
