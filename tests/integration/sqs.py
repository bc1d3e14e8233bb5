"""Play the SQS event source mapping in tests: receive a batch, invoke, delete successes."""

from __future__ import annotations

from typing import Any

import boto3

from process.handler import lambda_handler as process_handler
from webhook_engine import wiring
from webhooks_local.sqs_events import RECEIVE_LIMIT, SqsSource, failed_ids, sqs_event


def drain_queue(context: Any) -> dict[str, Any]:
    """Play the SQS event source mapping once: receive a batch, invoke, delete successes.

    Failed records stay invisible for the queue's visibility timeout, as in AWS."""
    sqs = boto3.client("sqs")
    settings = wiring.get_settings()
    source = SqsSource(
        function_id="ProcessFunction",
        queue_url=settings.queue_url,
        queue_arn=settings.queue_arn,
        region=sqs.meta.region_name,
        batch_size=RECEIVE_LIMIT,
        report_failures=True,
    )
    received = sqs.receive_message(
        QueueUrl=source.queue_url,
        MaxNumberOfMessages=source.batch_size,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    response = process_handler(sqs_event(received, source), context)
    ids = [message["MessageId"] for message in received]
    failed = failed_ids(response, ids, source.report_failures)
    for message in received:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"])
    return {"received": len(received), "failed": failed}
