"""The processing queue (one SQS message per submission to process) and its dead letters.

SQS has no way to read a queue without receiving from it. A dead-letter record being listed
or looked for is received with a visibility timeout of SCAN_VISIBILITY_SECONDS, hidden from
other readers meanwhile, and made visible again as soon as the call is done with it (or, if
that fails, when the timeout ends). Looking for one record receives until it is found or the
queue has been scanned once: an empty receive (long polling asks every SQS server), a record
coming round again, or SCAN_SECONDS gone. Receiving counts: each listing adds one to a
record's ApproximateReceiveCount, which is harmless as the dead-letter queue has no redrive
policy of its own.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from webhook_engine.adapters.clients import client
from webhook_engine.domain.errors import NotFoundError, UpstreamError
from webhook_engine.domain.ports import DeadLetter, RedriveResult
from webhook_engine.observability import logger

SCAN_VISIBILITY_SECONDS = 30  # longer than a scan, so that no record comes round within one
SCAN_SECONDS = 20.0  # within the admin function's 29 s timeout
RECEIVE_WAIT_SECONDS = 1  # long polling: an empty answer means no visible record is left
BATCH = 10  # what one SQS request takes


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
        for start in range(0, len(submissions), BATCH):
            entries = [
                {"Id": str(index), "MessageBody": _body(*submission, config_revision)}
                for index, submission in enumerate(submissions[start : start + BATCH])
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


def _named(body: str) -> tuple[str | None, int | None]:
    """The message id and submission a queue message's body names; (None, None) if none."""
    try:
        data = json.loads(body)
        return str(data["message_id"]), int(data["submission"])
    except (ValueError, TypeError, KeyError):
        return None, None


class SqsDeadLetters:
    """The dead-letter queue: its records one by one, and its way back to the queue."""

    def __init__(
        self,
        *,
        queue_url: str,
        queue_arn: str,
        dlq_url: str,
        dlq_arn: str,
        scan_seconds: float = SCAN_SECONDS,
    ) -> None:
        self.queue_url, self.queue_arn = queue_url, queue_arn
        self.dlq_url, self.dlq_arn = dlq_url, dlq_arn
        self.scan_seconds = scan_seconds

    def approximate_count(self) -> int:
        answer = _call(
            "GetQueueAttributes",
            client("sqs").get_queue_attributes,
            QueueUrl=self.dlq_url,
            AttributeNames=["ApproximateNumberOfMessages"],
        )
        return int(answer["Attributes"]["ApproximateNumberOfMessages"])

    def redrive(self) -> RedriveResult:
        """Start SQS's message move task from the dead-letter queue back to the queue."""
        task = _call(
            "StartMessageMoveTask",
            client("sqs").start_message_move_task,
            SourceArn=self.dlq_arn,
            DestinationArn=self.queue_arn,
        )
        return RedriveResult(method="StartMessageMoveTask", task_handle=task["TaskHandle"])

    def records(self, limit: int) -> list[DeadLetter]:
        """Up to `limit` records, each once, in the order SQS hands them out."""
        with _Scan(self.dlq_url, self.scan_seconds) as scan:
            return [_dead_letter(record) for record in scan.receive(limit)]

    def record(self, record_id: str) -> DeadLetter:
        with _Scan(self.dlq_url, self.scan_seconds) as scan:
            return _dead_letter(scan.find(record_id))

    def redrive_record(self, record_id: str) -> DeadLetter:
        """Send the record's body to the processing queue, then delete the record."""
        return self._remove(record_id, send_to=self.queue_url)

    def discard_record(self, record_id: str) -> DeadLetter:
        return self._remove(record_id, send_to=None)

    def _remove(self, record_id: str, send_to: str | None) -> DeadLetter:
        with _Scan(self.dlq_url, self.scan_seconds) as scan:
            found = scan.find(record_id)
            if send_to is not None:
                sqs = client("sqs")
                _call("SendMessage", sqs.send_message, QueueUrl=send_to, MessageBody=found["Body"])
            scan.delete(found)
        return _dead_letter(found)


class _Scan:
    """One pass over a queue by receiving: every record received is held (hidden) until the
    scan ends, then released, except those deleted meanwhile."""

    def __init__(self, queue_url: str, seconds: float) -> None:
        self.queue_url = queue_url
        self.deadline = time.monotonic() + seconds
        self.held: dict[str, str] = {}  # record id -> its latest receipt handle
        self.complete = False  # the whole queue was received once

    def __enter__(self) -> _Scan:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def receive(self, limit: int) -> Iterator[dict[str, Any]]:
        """Each record once, until `limit`, the end of the queue, or the scan's time is up."""
        seen = 0
        while seen < limit and not self.complete and time.monotonic() < self.deadline:
            batch = self._receive(min(BATCH, limit - seen))
            fresh = [record for record in batch if record["MessageId"] not in self.held]
            self.held |= {record["MessageId"]: record["ReceiptHandle"] for record in batch}
            self.complete = not batch or len(fresh) < len(batch)
            seen += len(fresh)
            yield from fresh

    def find(self, record_id: str) -> dict[str, Any]:
        for record in self.receive(sys.maxsize):
            if record["MessageId"] == record_id:
                return record
        scanned = f"{len(self.held)} records scanned"
        if not self.complete:
            scanned += "; the scan stopped at its time limit, before the end of the queue"
        raise NotFoundError(f"no record {record_id} in the dead-letter queue ({scanned})")

    def delete(self, record: dict[str, Any]) -> None:
        record_id = record["MessageId"]
        sqs = client("sqs")
        _call(
            "DeleteMessage",
            sqs.delete_message,
            QueueUrl=self.queue_url,
            ReceiptHandle=self.held[record_id],
        )
        del self.held[record_id]

    def release(self) -> None:
        """Make every held record visible again; one that fails stays hidden until its
        visibility timeout ends, which is all a release would have changed."""
        handles = list(self.held.values())
        for start in range(0, len(handles), BATCH):
            entries = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(handles[start : start + BATCH])
            ]
            try:
                response = client("sqs").change_message_visibility_batch(
                    QueueUrl=self.queue_url, Entries=entries
                )
            except (BotoCoreError, ClientError) as error:
                logger.warning("dead letters not released", reason=str(error))
                continue
            if response.get("Failed"):
                logger.warning("dead letters not released", failed=response["Failed"])
        self.held.clear()

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = _call(
            "ReceiveMessage",
            client("sqs").receive_message,
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=count,
            VisibilityTimeout=SCAN_VISIBILITY_SECONDS,
            WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        )
        return list(response.get("Messages", []))


def _dead_letter(record: dict[str, Any]) -> DeadLetter:
    attributes = record.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    message_id, submission = _named(record["Body"])
    return DeadLetter(
        record_id=record["MessageId"],
        body=record["Body"],
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
        message_id=message_id,
        submission=submission,
    )


def _call(action: str, method: Callable[..., Any], **arguments: Any) -> Any:
    """An SQS call; a refusal becomes an UpstreamError naming the action (a 502)."""
    try:
        return method(**arguments)
    except ClientError as error:
        raise UpstreamError(f"SQS {action}: {_reason(error)}") from error


def _reason(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()
