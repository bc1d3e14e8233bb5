"""Play SQS in tests: the event source mapping (receive a batch, invoke, delete successes), and
the queue giving up on a record."""

from __future__ import annotations

import json
from typing import Any

import boto3

from process.handler import lambda_handler as process_handler
from webhook_engine import wiring
from webhook_engine.domain.models import Status
from webhooks_testbed.sqs_events import RECEIVE_LIMIT, SqsSource, failed_ids, sqs_event


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


def dead_letter(reason: str = "ThrottlingException: Rate exceeded") -> str:
    """Play the last failed delivery of the next record of the queue: its submission is given up
    (DEAD, with `reason`) and the record moves to the dead-letter queue. The record's id."""
    sqs = boto3.client("sqs")
    settings = wiring.get_settings()
    [record] = sqs.receive_message(QueueUrl=settings.queue_url)["Messages"]
    named = json.loads(record["Body"])
    wiring.message_store().settle(named["message_id"], named["submission"], Status.DEAD, reason)
    sent = sqs.send_message(QueueUrl=settings.dead_letter_queue_url, MessageBody=record["Body"])
    sqs.delete_message(QueueUrl=settings.queue_url, ReceiptHandle=record["ReceiptHandle"])
    return str(sent["MessageId"])
