"""Messages as the admin API shows them: credentials in headers and query strings masked."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from webhook_engine.domain.audit import Actor
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

# A Lambda response carries 6 MB, and the view's JSON is escaped once more inside it.
DETAIL_BYTES = 2_000_000
DETAIL_BODY_BYTES = 262_144


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
        default=None,
        description="Why the latest submission did not succeed: each provider tried and its "
        "answer (UNMATCHED), the functions that failed and their errors (FAILED), or a failure "
        "outside the scripts",
    )
    duplicate_of: str | None = Field(
        default=None, description="The message first delivered with the same delivery id"
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
    body_omitted: bool = Field(
        default=False, description="The body is too large for this view: fetch `body_url`"
    )
    body_url: str = Field(description="The body alone, as received (admin API path)")
    submissions: list[Submission]
    evaluations: list[Evaluation]
    executions: list[Execution]
    executions_omitted: int = Field(
        default=0, description="Oldest executions left out so that the view fits a response"
    )


def summary(message: Message) -> MessageSummaryOut:
    return MessageSummaryOut.model_validate(message.model_dump() | {"message": message.summary})


def detail(found: MessageDetail, prefix: str) -> MessageOut:
    """The whole message, within DETAIL_BYTES: a large body is left to `body_url`, and the
    oldest executions give way when a long history would not fit a Lambda response."""
    message = found.message
    body, encoding = _shown_body(found)
    latest = max(found.submissions, key=lambda s: s.submission, default=None)
    out = MessageOut(
        **summary(message).model_dump(),
        query=mask_parameters(message.query, MASK),
        query_string=mask_query_string(message.query_string),
        headers=mask_headers(message.headers),
        body=body,
        body_encoding=encoding,
        body_size=found.body_size,
        body_omitted=found.body_size > 0 and not body,
        body_url=f"{prefix}/messages/{message.id}/body",
        submissions=sorted(found.submissions, key=lambda s: s.submission),
        evaluations=latest.evaluations if latest else [],
        executions=sorted(found.executions, key=lambda e: (e.submission, e.started_at)),
    )
    return _fitted(out)


def _shown_body(found: MessageDetail) -> tuple[str, Literal["text", "base64"]]:
    """The body as text (or base64), unless in the payload bucket or too large to show."""
    data = found.message.body
    if found.body_in_payloads or len(data) > DETAIL_BODY_BYTES:
        return "", "text"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode(), "base64"
    if len(json.dumps(text)) > DETAIL_BODY_BYTES:  # escaping can make text grow sixfold
        return "", "text"
    return text, "text"


def _fitted(out: MessageOut) -> MessageOut:
    """Drop the oldest executions until the view fits DETAIL_BYTES."""
    while out.executions and len(out.model_dump_json()) > DETAIL_BYTES:
        drop = max(1, len(out.executions) // 4)
        out.executions = out.executions[drop:]
        out.executions_omitted += drop
    return out


class SubmissionOverview(BaseModel):
    submission: int
    mode: str
    submitted_at: datetime
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    reason: str | None
    submitted_by: str | None = Field(
        description="Who resubmitted it (an IAM ARN or a token's subject, as GET /audit's "
        "`actor`); null for the sender's own submission (or unrecorded)"
    )


class ProviderStep(BaseModel):
    provider: str
    verdict: Literal["matched", "no_match", "error", "not_evaluated"]
    duration_ms: float | None
    script_version: int | None


class FunctionStep(BaseModel):
    function: str
    function_id: str
    uri_matched: bool = Field(description="Always true: only functions whose URI matched run")
    status: str
    duration_ms: float
    script_version: int | None


class FlowOut(BaseModel):
    submission: int
    providers: list[ProviderStep] = Field(
        description="In evaluation order; those after the matching one are `not_evaluated`"
    )
    functions: list[FunctionStep]


class MessageOverviewOut(MessageSummaryOut):
    """What a viewer may see: no body, headers, query, logs, error text, actions or answers."""

    submissions: list[SubmissionOverview]
    flow: list[FlowOut]


def overview(
    found: MessageDetail, order: list[str], submitters: dict[int, Actor]
) -> MessageOverviewOut:
    """The message's summary and the flow of each submission; `order`: the providers' names
    in the current evaluation order."""
    submissions = sorted(found.submissions, key=lambda s: s.submission)
    return MessageOverviewOut(
        **summary(found.message).model_dump(),
        submissions=[
            SubmissionOverview(
                **s.model_dump(exclude={"evaluations"}),
                submitted_by=_principal(submitters.get(s.submission)),
            )
            for s in submissions
        ],
        flow=[_flow(s, order, found.executions) for s in submissions],
    )


def _principal(actor: Actor | None) -> str | None:
    return None if actor is None else actor.principal


def _flow(submission: Submission, order: list[str], executions: list[Execution]) -> FlowOut:
    evaluated = {evaluation.provider: evaluation for evaluation in submission.evaluations}
    known = order + [name for name in evaluated if name not in order]
    steps = [_step(name, evaluated.get(name)) for name in known]
    ran = sorted(
        (e for e in executions if e.submission == submission.submission),
        key=lambda e: e.started_at,
    )
    functions = [
        FunctionStep(
            function=e.function,
            function_id=e.function_id,
            uri_matched=True,
            status=e.status.value,
            duration_ms=e.duration_ms,
            script_version=e.script_version,
        )
        for e in ran
    ]
    return FlowOut(submission=submission.submission, providers=steps, functions=functions)


def _step(name: str, evaluation: Evaluation | None) -> ProviderStep:
    if evaluation is None:
        return ProviderStep(
            provider=name, verdict="not_evaluated", duration_ms=None, script_version=None
        )
    verdict: Literal["matched", "no_match", "error"] = (
        "error" if evaluation.error else "matched" if evaluation.matched else "no_match"
    )
    return ProviderStep(
        provider=name,
        verdict=verdict,
        duration_ms=evaluation.duration_ms,
        script_version=evaluation.script_version,
    )
