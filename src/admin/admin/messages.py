"""Routes: browse messages."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from admin.responses import accepted
from admin.views import (
    MessageOut,
    MessagePageOut,
    MessageQuery,
    detail,
    summary,
)
from webhook_engine import wiring
from webhook_engine.domain.models import Status
from webhook_engine.operations.resubmission import (
    BulkResubmitOut,
    BulkResubmitRequest,
    ResubmitOut,
    matching_ids,
    resubmit,
)

router = APIGatewayHttpRouter()


@router.get("/messages", summary="List messages, newest first")
def list_messages(
    status: Annotated[Status | None, Query()] = None,
    provider: Annotated[str | None, Query()] = None,
    function: Annotated[str | None, Query()] = None,
    uri: Annotated[str | None, Query()] = None,
    since: Annotated[str | None, Query(description="ISO 8601, or relative: 1h, 7d")] = None,
    until: Annotated[str | None, Query(description="ISO 8601, or relative: 1h, 7d")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    cursor: Annotated[str | None, Query()] = None,
) -> MessagePageOut:
    filters = MessageQuery(
        status=status, provider=provider, function=function, uri=uri, since=since, until=until
    ).to_filter()
    page = wiring.message_store().list_messages(filters, limit, cursor)
    return MessagePageOut(items=[summary(m) for m in page.items], next_cursor=page.next_cursor)


@router.get("/messages/<message_id>", summary="One message with its submissions and executions")
def get_message(message_id: Annotated[str, Path()]) -> MessageOut:
    return detail(wiring.message_store().get_detail(message_id))


@router.post("/messages/resubmit", summary="Resubmit many messages, by ids or by filter")
def resubmit_many(request: Annotated[BulkResubmitRequest, Body()]) -> Response[BulkResubmitOut]:
    messages, queue = wiring.message_store(), wiring.queue()
    ids = request.ids
    if ids is None:
        filters = (request.filter or MessageQuery()).to_filter()
        ids = matching_ids(filters, request.limit, messages)
    done = [resubmit(message_id, messages, queue).message_id for message_id in ids]
    return accepted(BulkResubmitOut(count=len(done), message_ids=done))


@router.post("/messages/<message_id>/resubmit", summary="Process a message again")
def resubmit_one(message_id: Annotated[str, Path()]) -> Response[ResubmitOut]:
    return accepted(resubmit(message_id, wiring.message_store(), wiring.queue()))
