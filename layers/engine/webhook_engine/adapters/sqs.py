"""The processing queue: one SQS message per submission to process."""

from __future__ import annotations

import json
from collections.abc import Sequence

from botocore.exceptions import ClientError

from webhook_engine.adapters.clients import client
from webhook_engine.domain.errors import UpstreamError
from webhook_engine.domain.ports import RedriveResult


class SqsQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, message_id: str, submission: int, config_revision: int | None = None) -> None:
        body = _body(message_id, submission, config_revision)
        client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)

    def send_many(
        self, submissions: Sequence[tuple[str, int]], config_revision: int | None = None
    ) -> None:
        """Queue submissions ten per request; raises naming any that SQS refused."""
        for start in range(0, len(submissions), 10):
            entries = [
                {"Id": str(index), "MessageBody": _body(*submission, config_revision)}
                for index, submission in enumerate(submissions[start : start + 10])
            ]
            response = client("sqs").send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if response.get("Failed"):
                refused = [submissions[start + int(entry["Id"])][0] for entry in response["Failed"]]
                raise RuntimeError(f"SQS refused to queue: {', '.join(refused)}")


def _body(message_id: str, submission: int, config_revision: int | None) -> str:
    """The queue message: which submission, and the configuration revision it must see."""
    body: dict[str, object] = {"message_id": message_id, "submission": submission}
    if config_revision is not None:
        body["config_revision"] = config_revision
    return json.dumps(body)


class SqsDeadLetters:
    """The dead-letter queue and its way back to the processing queue."""

    def __init__(self, queue_arn: str, dlq_url: str, dlq_arn: str) -> None:
        self.queue_arn = queue_arn
        self.dlq_url, self.dlq_arn = dlq_url, dlq_arn

    def approximate_count(self) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=self.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def redrive(self) -> RedriveResult:
        """Start SQS's message move task from the dead-letter queue back to the queue."""
        try:
            task = client("sqs").start_message_move_task(
                SourceArn=self.dlq_arn, DestinationArn=self.queue_arn
            )
        except ClientError as error:
            raise UpstreamError(f"SQS StartMessageMoveTask: {_reason(error)}") from error
        return RedriveResult(method="StartMessageMoveTask", task_handle=task["TaskHandle"])


def _reason(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()
