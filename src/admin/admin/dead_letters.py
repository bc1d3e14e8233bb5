"""Routes: the dead-letter queue, as a whole and record by record.

Records are read by receiving them (SQS has no peek): see `adapters/sqs.py` and
docs/guide/admin-and-cli.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, Field

from admin.responses import accepted, no_content
from admin.services import services
from admin.trail import record
from webhook_engine.domain.models import Message
from webhook_engine.domain.ports import DeadLetter

router = APIGatewayHttpRouter()

MAX_RECORDS = 100


class DeadLettersOut(BaseModel):
    approximate_count: int


class RedriveOut(BaseModel):
    method: str
    moved: int | None
    task_handle: str | None


class StoredMessageOut(BaseModel):
    """What the messages table holds of the message a record names."""

    status: str
    uri: str
    provider: str | None
    reason: str | None = Field(description="Why its latest submission failed outside scripts")
    received_at: datetime
    submission_count: int


class DeadLetterOut(BaseModel):
    record_id: str = Field(description="SQS's message id of the record: what the routes take")
    message_id: str | None = Field(description="The message it names; null if its body does not")
    submission: int | None = Field(description="The submission of that message it names")
    sent_at: datetime | None = Field(description="When the record was first queued")
    receive_count: int = Field(
        description="SQS's ApproximateReceiveCount; each listing or search adds one"
    )
    message: StoredMessageOut | None = Field(
        description="The stored message; null when it is not (or no longer) stored"
    )


class DeadLetterDetailOut(DeadLetterOut):
    body: str = Field(description="The record's body, as queued")


class DeadLetterPageOut(BaseModel):
    items: list[DeadLetterOut]
    approximate_count: int = Field(description="Records in the queue, as SQS counts them")


@router.get("/dead-letters", summary="How many submissions wait in the dead-letter queue")
def dead_letters() -> DeadLettersOut:
    return DeadLettersOut(approximate_count=services().dead_letters.approximate_count())


@router.post("/dead-letters/redrive", summary="Move the dead-letter queue back to the queue")
def redrive() -> Response[RedriveOut]:
    result = services().dead_letters.redrive()
    record("dead_letters.redrive", "dead-letters", detail=f"moved: {result.moved}")
    return accepted(RedriveOut(**vars(result)))


@router.get(
    "/dead-letters/messages",
    summary="Dead-letter records, each with the message it names",
    description="Records are received to be read: hidden from other readers during the call, "
    "then visible again. At most `limit`, in the order SQS hands them out.",
)
def list_records(
    limit: Annotated[int, Query(ge=1, le=MAX_RECORDS)] = 25,
) -> DeadLetterPageOut:
    dead = services().dead_letters
    count = dead.approximate_count()
    return DeadLetterPageOut(
        items=_views(dead.records(limit), DeadLetterOut), approximate_count=count
    )


@router.get(
    "/dead-letters/messages/<record_id>",
    summary="One dead-letter record, with its body",
    description="Receives until the record is found or the queue has been scanned once (404).",
)
def get_record(record_id: Annotated[str, Path()]) -> DeadLetterDetailOut:
    [view] = _views([services().dead_letters.record(record_id)], DeadLetterDetailOut)
    return view


@router.post(
    "/dead-letters/messages/<record_id>/redrive",
    summary="Send one record back to the queue, then delete it from the dead-letter queue",
)
def redrive_record(record_id: Annotated[str, Path()]) -> Response[DeadLetterOut]:
    [view] = _views([services().dead_letters.redrive_record(record_id)], DeadLetterOut)
    record("dead_letter.redrive", f"dead-letter:{record_id}", detail=_names(view))
    return accepted(view)


@router.delete(
    "/dead-letters/messages/<record_id>",
    summary="Discard one record; its message stays stored and can be resubmitted",
)
def discard_record(record_id: Annotated[str, Path()]) -> Response[None]:
    discarded = services().dead_letters.discard_record(record_id)
    record("dead_letter.discard", f"dead-letter:{record_id}", detail=_names(discarded))
    return no_content()


def _names(letter: DeadLetter | DeadLetterOut) -> str | None:
    """The submission a record named: `message <id> submission <n>`."""
    if letter.message_id is None:
        return None
    return f"message {letter.message_id} submission {letter.submission}"


def _views[V: DeadLetterOut](records: list[DeadLetter], view: type[V]) -> list[V]:
    """Each record with a summary of its message: one batch read for them all."""
    ids = [record.message_id for record in records if record.message_id]
    stored = services().messages.find_messages(ids)
    return [
        view.model_validate(vars(record) | {"message": _summary(stored, record.message_id)})
        for record in records
    ]


def _summary(stored: dict[str, Message], message_id: str | None) -> StoredMessageOut | None:
    message = stored.get(message_id or "")
    return None if message is None else StoredMessageOut.model_validate(message.model_dump())
