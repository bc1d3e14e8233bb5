"""The processing queue: one SQS message per submission to process."""

from __future__ import annotations

import json

from webhook_engine.adapters.clients import client


class SqsQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, message_id: str, submission: int) -> None:
        body = json.dumps({"message_id": message_id, "submission": submission})
        client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)
