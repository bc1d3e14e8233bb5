"""SQS message move tasks for moto, which lacks them (5.2: in-process NotImplementedError,
a 500 in server mode): `StartMessageMoveTask` and `ListMessageMoveTasks`.

`install()` adds both actions to moto's SQS response class, where moto dispatches an action
to the method of the same name; the local stack installs them in its moto server process
and the tests in their in-process moto, so that the admin function's redrive runs the same
code as on AWS. Differences from SQS, on purpose: the task runs to completion within the
call (the list then shows it COMPLETED), MaxNumberOfMessagesPerSecond is recorded but not
applied, and CancelMessageMoveTask is not offered (a finished task cannot be cancelled).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.sqs.exceptions import SQSException
from moto.sqs.models import Queue, SQSBackend
from moto.sqs.responses import SQSResponse

BATCH = 10  # messages per ReceiveMessage, as a task moves them
VISIBILITY = 30  # seconds a message being moved is hidden, should a send fail midway


@dataclass(frozen=True)
class MoveTask:
    """One message move task, as ListMessageMoveTasks describes it."""

    handle: str
    source_arn: str
    destination_arn: str
    moved: int
    started_ms: int
    max_per_second: int | None = None

    def result(self) -> dict[str, Any]:
        """The task as a ListMessageMoveTasks result entry (a finished task has no handle)."""
        result: dict[str, Any] = {
            "Status": "COMPLETED",
            "SourceArn": self.source_arn,
            "DestinationArn": self.destination_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.moved,
            "StartedTimestamp": self.started_ms,
        }
        if self.max_per_second is not None:
            result["MaxNumberOfMessagesPerSecond"] = self.max_per_second
        return result


def install() -> None:
    """Add the actions to moto's SQS (idempotent)."""
    SQSResponse.start_message_move_task = _start_message_move_task  # type: ignore[attr-defined]
    SQSResponse.list_message_move_tasks = _list_message_move_tasks  # type: ignore[attr-defined]


def start_message_move_task(
    backend: SQSBackend,
    source_arn: str,
    destination_arn: str | None = None,
    max_per_second: int | None = None,
) -> MoveTask:
    """Move every visible message of the dead-letter queue `source_arn` to `destination_arn`,
    or, without one, to the queue whose RedrivePolicy names it (as SQS redrives to the source).
    Each arrives as a new message (same body and attributes, receive count 0)."""
    source = _queue(backend, source_arn)
    sources = backend.list_dead_letter_source_queues(source.name)
    if not sources:
        raise SQSException(
            "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."
        )
    if destination_arn is None and len(sources) > 1:
        raise SQSException(
            "InvalidParameterValue",
            "Several queues use this dead-letter queue; DestinationArn names the one to move to.",
        )
    destination = _queue(backend, destination_arn) if destination_arn else sources[0]
    if destination is source:
        raise SQSException("InvalidParameterValue", "SourceArn and DestinationArn are the same.")
    moved = 0
    started_ms = int(time.time() * 1000)
    while messages := backend.receive_message(source.name, BATCH, 0, VISIBILITY, ["All"]):
        for message in messages:
            backend.send_message(
                destination.name,
                message.body,
                message_attributes=message.message_attributes,
                group_id=message.group_id,
            )
            backend.delete_message(source.name, str(message.receipt_handle))
            moved += 1
    task = MoveTask(
        _handle(source.queue_arn),
        source.queue_arn,
        destination.queue_arn,
        moved,
        started_ms,
        max_per_second,
    )
    _tasks(backend).insert(0, task)
    return task


def list_message_move_tasks(backend: SQSBackend, source_arn: str, limit: int = 1) -> list[MoveTask]:
    """The most recent tasks of the dead-letter queue `source_arn`, newest first."""
    _queue(backend, source_arn)
    return [task for task in _tasks(backend) if task.source_arn == source_arn][:limit]


def _start_message_move_task(self: SQSResponse) -> ActionResult:
    task = start_message_move_task(
        self.sqs_backend,
        self._get_param("SourceArn"),
        self._get_param("DestinationArn"),
        self._get_param("MaxNumberOfMessagesPerSecond"),
    )
    return ActionResult({"TaskHandle": task.handle})


def _list_message_move_tasks(self: SQSResponse) -> ActionResult:
    limit = int(self._get_param("MaxResults") or 1)
    tasks = list_message_move_tasks(self.sqs_backend, self._get_param("SourceArn"), limit)
    return ActionResult({"Results": [task.result() for task in tasks]})


def _queue(backend: SQSBackend, arn: str) -> Queue:
    for queue in backend.queues.values():
        if queue.queue_arn == arn:
            return queue
    raise SQSException(
        "ResourceNotFoundException",
        f"No queue has the ARN {arn}.",
    )


def _tasks(backend: SQSBackend) -> list[MoveTask]:
    """The backend's tasks: kept on the backend, so that resetting moto forgets them."""
    tasks: list[MoveTask] = backend.__dict__.setdefault("local_message_move_tasks", [])
    return tasks


def _handle(source_arn: str) -> str:
    """An opaque handle, built like SQS's (base64 of the task and the source queue)."""
    task = {"taskId": str(uuid.uuid4()), "sourceArn": source_arn}
    return base64.b64encode(json.dumps(task).encode()).decode()
