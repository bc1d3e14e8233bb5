"""Routes: the dead-letter queue."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from admin.responses import accepted
from webhook_engine import wiring

router = APIGatewayHttpRouter()


class DeadLettersOut(BaseModel):
    approximate_count: int


class RedriveOut(BaseModel):
    method: str
    moved: int | None
    task_handle: str | None


@router.get("/dead-letters", summary="How many submissions wait in the dead-letter queue")
def dead_letters() -> DeadLettersOut:
    return DeadLettersOut(approximate_count=wiring.dead_letters().approximate_count())


@router.post("/dead-letters/redrive", summary="Move the dead-letter queue back to the queue")
def redrive() -> Response[RedriveOut]:
    result = wiring.dead_letters().redrive()
    return accepted(RedriveOut(**vars(result)))
