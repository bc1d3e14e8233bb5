"""How a message lies in the messages table: keys, attributes, compressed parts.

One item per message, `pk = LIST#<partition>`, `sk = <message id>`: its list columns, its
request (headers and query string, and the body when small, compressed: packing.py), the state of its
current submission (lease, counters) and the records of its finished submissions, folded in
(`rec_00001`: the submission with its evaluations and executions, compressed). Ids are ULIDs of
the arrival time, so each list partition is ordered by time. What does not fit that item lives
in the message's own partition, `pk = MSG#<id>`: the body (`#BODY`) and the records too large to
fold (`SUB#00001`, `EXEC#00001#<function id>`). docs/architecture.md, "Data model", says why.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import Binary

from webhook_engine.adapters.packing import pack, unpack
from webhook_engine.domain.errors import NotFoundError
from webhook_engine.domain.models import (
    Execution,
    LogEntry,
    Message,
    Mode,
    Status,
    Submission,
)
from webhook_engine.domain.times import isoformat

# List partitions: the message list spreads its writes over this many partition keys (about
# 1,000 writes/s each). Part of every message's key: a table keeps the count it started with.
PARTITIONS = 4
# A body up to this many bytes once compressed rides in the message item (beside a typical
# message's other attributes, within its first kilobyte), so that the claim
# hands it back with the rest; a larger one is an item of its own, read when processed.
BODY_IN_ITEM_BYTES = 320
# A submission's record is folded into the message item when it compresses to this many
# bytes and the message has had at most FOLDED_SUBMISSIONS; otherwise it spills (SUB#, EXEC#).
FOLD_BYTES = 4_096
FOLDED_SUBMISSIONS = 10
# What a submission's record keeps of its evaluations, within an item's 400 KB once spilled.
EVALUATIONS_BYTES = 300_000
# A spilled execution's item, packed, and what it keeps of an answer that would not fit (the
# logs are bounded at 64 KiB, a synchronous answer's body at 1 MiB).
EXECUTION_ITEM_BYTES = 350_000
ANSWER_KEPT_CHARACTERS = 65_536
# The longest id a key is built from; DynamoDB refuses sort keys over 1,024 bytes.
MAX_ID_LENGTH = 128

# The current submission's state, removed once its record is written.
RUN_ATTRIBUTES = (
    "run_mode",
    "run_submitted_at",
    "run_status",
    "run_reason",
    "started_at",
    "lease_owner",
    "lease_expires",
    "attempts",
    "releases",
    "sweeps",
    "unrecorded",
)
# Statuses the `by_attention` index lists (a sparse index: other messages are not in it);
# it also holds, as WATCHED, the unfinished submissions the sweeper looks after whatever their
# message's age (resubmitted, or swept once already).
ATTENTION = frozenset({Status.FAILED, Status.DEAD})
WATCHED = "SWEEP"


def partition(message_id: str) -> int:
    return zlib.crc32(message_id.encode()) % PARTITIONS


def message_key(message_id: str) -> dict[str, str]:
    """The message item's key; an id no message can have is not found."""
    if not message_id or len(message_id) > MAX_ID_LENGTH:
        raise NotFoundError(f"message {message_id[:MAX_ID_LENGTH]} not found")
    return {"pk": f"LIST#{partition(message_id)}", "sk": message_id}


def own_partition(message_id: str) -> str:
    """The partition of what does not fit the message item: body, spilled records."""
    return f"MSG#{message_id}"


def record_name(submission: int) -> str:
    return f"rec_{submission:05d}"


def attention_key(message_id: str, status: Status) -> str | None:
    return f"{status.value}#{partition(message_id)}" if status in ATTENTION else None


def watched_key(message_id: str) -> str:
    return f"{WATCHED}#{partition(message_id)}"


# the message ------------------------------------------------------------------------------

_REQUIRED = ("request_id", "method", "uri")
_OPTIONAL = ("source_ip", "provider", "summary", "reason", "duplicate_of")


def message_item(message: Message, mode: Mode, expires_at: int) -> dict[str, Any]:
    """The message item as ingest writes it, without the body (see `with_body`)."""
    item: dict[str, Any] = message_key(message.id) | {
        name: getattr(message, name) for name in _REQUIRED
    }
    item |= {
        "status": message.status.value,
        "received_at": isoformat(message.received_at),
        "submission_count": message.submission_count,
        "head": pack(json.dumps([message.query_string, message.headers]).encode()),
        "body_size": len(message.body),
        "expires_at": expires_at,
        "run_mode": mode.value,
    }
    return item | {name: getattr(message, name) for name in _OPTIONAL if getattr(message, name)}


def message_from_item(item: dict[str, Any], body: bytes = b"", head: bool = True) -> Message:
    """The message an item holds; `head=False` leaves headers and query string out (lists)."""
    names = (*_REQUIRED, *_OPTIONAL, "status", "received_at")
    fields = {name: item[name] for name in names if name in item}
    fields["functions"] = sorted(item.get("functions", ()))
    fields["submission_count"] = int(item["submission_count"])
    if head:
        fields["query_string"], fields["headers"] = json.loads(unpack(item["head"]))
    return Message.model_validate(fields | {"id": item["sk"], "body": body})


def body_in_item(item: dict[str, Any]) -> bytes | None:
    """The body when the message item holds it (or it is empty); None when it is elsewhere."""
    if "body" in item:
        return unpack(item["body"])
    return b"" if int(item.get("body_size", 0)) == 0 else None


# submissions ------------------------------------------------------------------------------


def current_submission(item: dict[str, Any]) -> Submission:
    """The message's latest submission, from the state the item keeps while it runs."""
    received = item["received_at"]
    return Submission(
        submission=int(item["submission_count"]),
        mode=Mode(item["run_mode"]),
        submitted_at=item.get("run_submitted_at", received),
        status=Status(item.get("run_status", Status.RECEIVED.value)),
        started_at=item.get("started_at"),
        attempts=int(item.get("attempts", 0)),
        reason=item.get("run_reason"),
    )


def cutoffs(item: dict[str, Any]) -> int:
    """Claims of the current submission that ended neither finished nor released."""
    return int(item.get("attempts", 0)) - 1 - int(item.get("releases", 0))


def record_value(submission: Submission, executions: list[Execution]) -> bytes:
    """A finished submission with its executions, compressed, to fold into the message item."""
    record = {
        "submission": bounded(submission).model_dump(mode="json"),
        "executions": [execution.model_dump(mode="json") for execution in executions],
    }
    return pack(json.dumps(record).encode())


def record_from_value(value: Binary | bytes) -> tuple[Submission, list[Execution]]:
    record = json.loads(unpack(value))
    executions = [Execution.model_validate(each) for each in record["executions"]]
    return Submission.model_validate(record["submission"]), executions


def folds(submission: Submission, record: bytes) -> bool:
    """Whether a record goes into the message item: small, and the message's history short
    (so the item, which every claim rewrites, stays small)."""
    return len(record) <= FOLD_BYTES and submission.submission <= FOLDED_SUBMISSIONS


def replaced(head: dict[str, Any]) -> Submission | None:
    """The message's current submission as a resubmission replaces it: its state as it stands
    (SUPERSEDED when it never finished); None once its record is written."""
    if "run_mode" not in head:
        return None
    current = current_submission(head)
    if current.status.claimable:
        later = current.submission + 1
        current.reason = f"superseded by submission {later}" + (
            f" (was {current.status.value}: {current.reason})" if current.reason else ""
        )
        current.status = Status.SUPERSEDED
    return current


# spilled records --------------------------------------------------------------------------


def spilled_items(
    message_id: str, submission: Submission, executions: list[Execution]
) -> list[dict[str, Any]]:
    """A record too large to fold: the submission and each execution an item of their own."""
    pk, number = own_partition(message_id), submission.submission
    data = bounded(submission).model_dump_json().encode()
    items = [{"pk": pk, "sk": f"SUB#{number:05d}", "data": pack(data)}]
    for execution in executions:
        sk = f"EXEC#{number:05d}#{execution.function_id}"
        items.append({"pk": pk, "sk": sk, "data": _execution_data(execution)})
    return items


def _execution_data(execution: Execution) -> bytes:
    """An execution, packed within an item; past that, its synchronous answer's body (up to
    1 MiB, sent to the sender already) is kept only in part, and says so."""
    data = pack(execution.model_dump_json().encode())
    if len(data) <= EXECUTION_ITEM_BYTES or execution.response is None:
        return data
    body = execution.response.body
    kept = body[:ANSWER_KEPT_CHARACTERS]
    note = f"[{len(body) - len(kept):,} more characters not kept: over the item size limit]"
    response = execution.response.model_copy(update={"body": kept + note})
    return pack(execution.model_copy(update={"response": response}).model_dump_json().encode())


def bounded(submission: Submission) -> Submission:
    """The submission, its evaluations without their logs when so many providers were tried
    that their logs would not fit an item, nor the message's view (each evaluation's logs are
    bounded already)."""
    if len(submission.model_dump_json()) <= EVALUATIONS_BYTES:
        return submission
    note = LogEntry(
        level="WARNING",
        message="logs dropped: this submission's evaluations were over the item size limit",
        at=submission.finished_at or datetime.now(UTC),
    )
    shortened = [e.model_copy(update={"logs": [note]}) for e in submission.evaluations]
    return submission.model_copy(update={"evaluations": shortened})


def spilled_records(
    items: dict[str, dict[str, Any]],
) -> dict[int, tuple[Submission, list[Execution]]]:
    """The spilled records among a message partition's items, by submission number."""
    records: dict[int, tuple[Submission, list[Execution]]] = {}
    for sk, item in sorted(items.items()):
        if sk.startswith("SUB#"):
            submission = Submission.model_validate_json(unpack(item["data"]))
            records[submission.submission] = (submission, [])
    for sk, item in sorted(items.items()):
        if sk.startswith("EXEC#"):
            execution = Execution.model_validate_json(unpack(item["data"]))
            if execution.submission in records:  # else a spill cut short: its retry rewrites it
                records[execution.submission][1].append(execution)
    return records
