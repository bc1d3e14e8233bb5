"""The SQS side of processing: one record per submission, partial batch failures."""

from __future__ import annotations

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

from webhook_engine.observability import logger, metrics, tracer
from webhook_engine.pipeline.processing import Processor


class QueueMessage(BaseModel):
    """The body of a queue message: which submission of which message to process."""

    message_id: str = Field(min_length=1)
    submission: int = Field(ge=1)


class SubmissionRecord(SqsRecordModel):
    body: Json[QueueMessage]


# A fully failed batch is reported record by record rather than raised: same retries, clearer logs.
batch = BatchProcessor(
    event_type=EventType.SQS, model=SubmissionRecord, raise_on_entire_batch_failure=False
)


@tracer.capture_method(capture_response=False)
def handle_record(record: SubmissionRecord, processor: Processor) -> None:
    """Process one submission; an exception leaves the record for SQS to retry."""
    body = record.body
    logger.append_keys(message_id=body.message_id)
    try:
        processor.process(body.message_id, body.submission)
    finally:
        logger.remove_keys(["message_id"])


def handle(
    event: dict[str, Any], context: LambdaContext, processor: Processor
) -> PartialItemFailureResponse:
    records = len(event.get("Records", []))
    metrics.add_metric(name="SubmissionsReceived", unit=MetricUnit.Count, value=records)
    return process_partial_response(
        event=event,
        record_handler=partial(handle_record, processor=processor),
        processor=batch,
        context=context,
    )
