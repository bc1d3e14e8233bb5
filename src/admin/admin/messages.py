"""Routes: browse messages."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic.json_schema import SkipJsonSchema

from admin import API_PREFIX
from admin.responses import accepted
from admin.services import services
from admin.trail import record, record_many, submitters
from admin.views import (
    MessageOut,
    MessageOverviewOut,
    MessagePageOut,
    MessageQuery,
    detail,
    overview,
    summary,
)
from webhook_engine.domain.models import Status
from webhook_engine.domain.ports import (
    CURSOR_PATTERN,
    MessageFilter,
    MessageListing,
    each_message,
)
from webhook_engine.operations.resubmission import resubmit, resubmit_many

MAX_BULK = 1000
# Bulk resubmission stops starting chunks after this long, within the admin function's 29 s.
BULK_BUDGET_SECONDS = 15.0


class BulkResubmitRequest(BaseModel):
    """Either explicit ids or a filter (e.g. every FAILED message of the last hour)."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["ids"]}, {"required": ["filter"]}]}
    )

    ids: Annotated[list[str], Field(max_length=MAX_BULK)] | SkipJsonSchema[None] = None
    filter: MessageQuery | SkipJsonSchema[None] = None
    limit: StrictInt = Field(default=100, ge=1, le=MAX_BULK)

    @model_validator(mode="after")
    def _one_selector(self) -> BulkResubmitRequest:
        given = self.model_fields_set & {"ids", "filter"}
        if len(given) != 1 or None in (getattr(self, name) for name in given):
            raise ValueError("give either ids (a list) or filter (an object)")
        return self


class ResubmitOut(BaseModel):
    message_id: str
    submission: int


class BulkResubmitOut(BaseModel):
    count: int = Field(description="How many messages were resubmitted (and queued)")
    message_ids: list[str] = Field(description="Exactly the messages resubmitted")
    remaining: list[str] = Field(
        default_factory=list,
        description="Messages not reached (time ran out, or `error`): send them again",
    )
    error: str | None = None


router = APIGatewayHttpRouter()


LIST_DESCRIPTION = (
    "Each page costs the same few reads however old or rare the matches, so a filtered page "
    "may hold fewer than `limit` messages, even none, and still carry a `next_cursor`: only a "
    "page without one is the end. Status FAILED and DEAD are indexed and come in full pages."
)


@router.get("/messages", summary="List messages, newest first", description=LIST_DESCRIPTION)
def list_messages(
    status: Annotated[Status | None, Query()] = None,
    provider: Annotated[str | None, Query()] = None,
    function: Annotated[str | None, Query()] = None,
    uri: Annotated[str | None, Query()] = None,
    since: Annotated[str | None, Query(description="ISO 8601, or relative: 1h, 7d")] = None,
    until: Annotated[str | None, Query(description="ISO 8601, or relative: 1h, 7d")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    cursor: Annotated[
        str | None, Query(min_length=2, pattern=CURSOR_PATTERN, description="A page's next_cursor")
    ] = None,
) -> MessagePageOut:
    filters = MessageQuery(
        status=status, provider=provider, function=function, uri=uri, since=since, until=until
    ).to_filter()
    page = services().messages.list_messages(filters, limit, cursor)
    return MessagePageOut(items=[summary(m) for m in page.items], next_cursor=page.next_cursor)


@router.get("/messages/<message_id>", summary="One message with its submissions and executions")
def get_message(message_id: Annotated[str, Path()]) -> MessageOut:
    return detail(services().messages.get_detail(message_id), API_PREFIX)


@router.get(
    "/messages/<message_id>/overview",
    summary="What a viewer sees of a message: its submissions and their flow, no content",
)
def get_overview(message_id: Annotated[str, Path()]) -> MessageOverviewOut:
    found = services()
    order = [provider.name for provider in found.config.list_providers()]
    return overview(found.messages.get_detail(message_id), order, submitters(message_id))


@router.get("/messages/<message_id>/body", summary="The body alone, as received")
def get_body(message_id: Annotated[str, Path()]) -> Response[bytes]:
    """The bytes (a download), or a redirect to a short-lived link for a large body."""
    body = services().messages.get_body(message_id)
    if body.url is not None:
        return Response(status_code=307, headers={"location": body.url}, body=b"")
    headers = {
        "content-disposition": f'attachment; filename="{message_id}.body"',
        "x-content-type-options": "nosniff",
    }
    kind = body.content_type or "application/octet-stream"
    return Response(status_code=200, content_type=kind, body=body.data or b"", headers=headers)


@router.post("/messages/resubmit", summary="Resubmit many messages, by ids or by filter")
def resubmit_selection(
    request: Annotated[BulkResubmitRequest, Body()],
) -> Response[BulkResubmitOut]:
    found = services()
    ids = request.ids
    if ids is None:
        filters = (request.filter or MessageQuery()).to_filter()
        ids = matching_ids(filters, request.limit, found.messages)
    revision = found.config.revision()
    done = resubmit_many(ids, found.messages, found.queue, BULK_BUDGET_SECONDS, revision)
    made = found.messages.find_messages(done.message_ids)
    record_many(
        ("message.resubmit", f"message:{message_id}", made[message_id].submission_count)
        for message_id in done.message_ids
        if message_id in made
    )
    answer = BulkResubmitOut(count=len(done.message_ids), **vars(done))
    return accepted(answer)


@router.post("/messages/<message_id>/resubmit", summary="Process a message again")
def resubmit_one(message_id: Annotated[str, Path()]) -> Response[ResubmitOut]:
    found = services()
    revision = found.config.revision()
    submission = resubmit(message_id, found.messages, found.queue, revision)
    record("message.resubmit", f"message:{message_id}", submission=submission.submission)
    return accepted(ResubmitOut(message_id=message_id, submission=submission.submission))


def matching_ids(filters: MessageFilter, limit: int, messages: MessageListing) -> list[str]:
    """Ids of the newest messages matching `filters`, at most `limit`."""
    found = each_message(messages, filters, page=min(200, limit))
    return [message.id for message in islice(found, limit)]
