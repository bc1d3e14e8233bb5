"""Play the SQS event source mapping in tests: receive a batch, invoke, delete successes."""

from __future__ import annotations

from typing import Any

import boto3

from process.handler import lambda_handler as process_handler
from webhook_engine import wiring


def drain_queue(context: Any) -> dict[str, Any]:
    """Play the SQS event source mapping once: receive a batch, invoke, delete successes."""
    sqs = boto3.client("sqs")
    url = wiring.get_settings().queue_url
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1",
                "SenderId": "x",
                "ApproximateFirstReceiveTimestamp": "1",
            },
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": wiring.get_settings().queue_arn,
            "awsRegion": "us-east-1",
        }
        for m in received
    ]
    response = process_handler({"Records": records}, context)
    failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
    for message in received:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {"received": len(received), "failed": failed}
