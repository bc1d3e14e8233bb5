"""The SQS side of processing: one record per submission, partial batch failures.

The blast radius of a record is itself: each record gets its own time budget, a record that
would not fit in what is left of the invocation is deferred (queued afresh, its receive count
starting over) instead of failed, and a record on its queue's last delivery that fails again
is marked DEAD before it goes to the dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, Json

from webhook_engine.domain.errors import SubmissionBusyError
from webhook_engine.domain.ports import Queue
from webhook_engine.observability import logger, metrics, tracer
from webhook_engine.pipeline.processing import Processor, new_owner
from webhook_engine.sandbox.supervisor import SandboxUnavailableError


class QueueMessage(BaseModel):
    """The body of a queue message: which submission of which message to process."""

    message_id: str = Field(min_length=1)
    submission: int = Field(ge=1)
    # Set by resubmissions: the configuration revision current when they were made.
    config_revision: int | None = Field(default=None, ge=0)


class SubmissionRecord(SqsRecordModel):
    body: Json[QueueMessage]


# A fully failed batch is reported record by record rather than raised: same retries, clearer logs.
batch = BatchProcessor(
    event_type=EventType.SQS, model=SubmissionRecord, raise_on_entire_batch_failure=False
)


@dataclass(frozen=True)
class Consumer:
    processor: Processor
    queue: Queue
    budget: float  # seconds one submission may take, all its scripts together
    reserve: float  # seconds kept back to record an outcome and answer the batch
    minimum: float  # a record with less time than this left is deferred
    max_receives: int  # the queue's maxReceiveCount: the last delivery before dead letters

    def handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        records = len(event.get("Records", []))
        metrics.add_metric(name="SubmissionsReceived", unit=MetricUnit.Count, value=records)
        return process_partial_response(
            event=event,
            record_handler=partial(handle_record, consumer=self),
            processor=batch,
            context=context,
        )


@tracer.capture_method(capture_response=False)
def handle_record(
    record: SubmissionRecord, lambda_context: LambdaContext, consumer: Consumer
) -> None:
    """Process one submission; an exception leaves the record for SQS to retry."""
    body = record.body
    logger.append_keys(message_id=body.message_id, submission=body.submission)
    try:
        left = lambda_context.get_remaining_time_in_millis() / 1000 - consumer.reserve
        if left < consumer.minimum:
            _defer(consumer.queue, body)
            return
        _process(consumer, record, min(consumer.budget, left))
    finally:
        logger.remove_keys(["message_id", "submission"])


def _process(consumer: Consumer, record: SubmissionRecord, budget: float) -> None:
    body, owner = record.body, new_owner()
    try:
        consumer.processor.process(
            body.message_id,
            body.submission,
            budget=budget,
            config_revision=body.config_revision,
            owner=owner,
        )
    except Exception as error:
        if isinstance(error, SubmissionBusyError):
            logger.info("submission busy in another delivery; retried later")
        if int(record.attributes.ApproximateReceiveCount) >= consumer.max_receives:
            consumer.processor.give_up(body.message_id, body.submission, error, owner)
            if isinstance(error, SandboxUnavailableError):  # FAILED: not for the dead letters
                logger.exception("last delivery failed; scripts could not run")
                return
            logger.exception("last delivery failed; the submission is dead-lettered")
        raise


def _defer(queue: Queue, body: QueueMessage) -> None:
    """Queue the submission again, as a new message: this delivery ran out of time for it."""
    queue.send(body.message_id, body.submission, body.config_revision)
    metrics.add_metric(name="SubmissionsDeferred", unit=MetricUnit.Count, value=1)
    logger.info("not enough time left in this invocation; submission queued again")
