"""The processing queue: one SQS message per submission to process."""

from __future__ import annotations

import json
from collections.abc import Sequence

from botocore.exceptions import ClientError

from webhook_engine.adapters.clients import client
from webhook_engine.domain.ports import RedriveResult


class SqsQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, message_id: str, submission: int) -> None:
        client("sqs").send_message(
            QueueUrl=self.queue_url, MessageBody=_body(message_id, submission)
        )

    def send_many(self, submissions: Sequence[tuple[str, int]]) -> None:
        """Queue submissions ten per request; raises naming any that SQS refused."""
        for start in range(0, len(submissions), 10):
            entries = [
                {"Id": str(index), "MessageBody": _body(*submission)}
                for index, submission in enumerate(submissions[start : start + 10])
            ]
            response = client("sqs").send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if response.get("Failed"):
                refused = [submissions[start + int(entry["Id"])][0] for entry in response["Failed"]]
                raise RuntimeError(f"SQS refused to queue: {', '.join(refused)}")


def _body(message_id: str, submission: int) -> str:
    return json.dumps({"message_id": message_id, "submission": submission})


class SqsDeadLetters:
    """The dead-letter queue and its way back to the processing queue."""

    def __init__(self, queue_url: str, queue_arn: str, dlq_url: str, dlq_arn: str) -> None:
        self.queue_url, self.queue_arn = queue_url, queue_arn
        self.dlq_url, self.dlq_arn = dlq_url, dlq_arn

    def approximate_count(self) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def redrive(self) -> RedriveResult:
        """SQS's own message move task; where it is missing (moto 5.2), move by hand."""
        sqs = client("sqs")
        try:
            task = sqs.start_message_move_task(
                SourceArn=self.dlq_arn, DestinationArn=self.queue_arn
            )
        except (NotImplementedError, ClientError) as error:
            if not _unsupported(error):
                raise
            return RedriveResult(method="fallback", moved=self._move_by_hand())
        return RedriveResult(method="StartMessageMoveTask", task_handle=task["TaskHandle"])

    def _move_by_hand(self) -> int:
        """Receive, send to the queue, then delete: at-least-once, like the native task."""
        sqs, moved = client("sqs"), 0
        while True:
            messages = sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                VisibilityTimeout=60,
            ).get("Messages", [])
            if not messages:
                return moved
            for message in messages:
                sqs.send_message(
                    QueueUrl=self.queue_url,
                    MessageBody=message["Body"],
                    MessageAttributes=message.get("MessageAttributes", {}),
                )
                sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1


def _unsupported(error: Exception) -> bool:
    """moto raises NotImplementedError in-process and answers 500 in server mode."""
    if isinstance(error, NotImplementedError):
        return True
    response = getattr(error, "response", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = response.get("Error", {}).get("Code", "")
    return status == 500 or code in ("UnsupportedOperation", "InternalFailure", "NotImplemented")
