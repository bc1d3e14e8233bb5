"""The messages table's item layout: what is packed, and what an item keeps within 400 KB."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from webhook_engine.adapters.message_items import (
    EXECUTION_ITEM_BYTES,
    record_from_value,
    record_value,
    spilled_items,
    spilled_records,
)
from webhook_engine.adapters.packing import pack, unpack
from webhook_engine.domain.models import (
    Execution,
    ExecutionStatus,
    LogEntry,
    Mode,
    Status,
    Submission,
    SyncAnswer,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def noise(length: int) -> str:
    """Text that does not compress (hex of a hash chain), deterministic."""
    return hashlib.shake_256(b"noise").hexdigest(length // 2 + 1)[:length]


def execution(**fields) -> Execution:
    defaults = {
        "function": "build",
        "function_id": "f-1",
        "status": ExecutionStatus.SUCCESS,
        "submission": 1,
        "started_at": NOW,
        "duration_ms": 1.5,
    }
    return Execution.model_validate(defaults | fields)


def submission() -> Submission:
    return Submission(submission=1, mode=Mode.SYNC, submitted_at=NOW, status=Status.SUCCESS)


def test_packed_values_read_back_exactly_whatever_they_hold():
    # Given values that compress well, not at all, and nothing
    values = [b"", noise(5000).encode(), json.dumps({"ref": "main"} | {"x": "y" * 9000}).encode()]

    # When / Then
    assert [unpack(pack(value)) for value in values] == values
    assert len(pack(values[2])) < 200


def test_a_record_reads_back_with_every_field_of_its_executions():
    # Given an execution with logs, an action's answer and a response
    ran = execution(
        logs=[LogEntry(level="INFO", message="push to acme", at=NOW)],
        response=SyncAnswer(status=202, body="queued"),
    )

    # When
    done, executions = record_from_value(record_value(submission(), [ran]))

    # Then
    assert (done, executions) == (submission(), [ran])


def test_an_answer_too_large_for_an_item_is_kept_in_part_and_says_so():
    # Given a function that answered a waiting sender with 1 MiB that does not compress
    body = noise(1_048_576)
    answered = execution(response=SyncAnswer(status=200, body=body))

    # When its record spills, and is read back
    items = spilled_items("m-1", submission(), [answered])
    (kept,) = spilled_records({item["sk"]: item for item in items})[1][1]

    # Then every item fits, and the answer keeps its beginning and a note of the rest
    assert all(len(item["data"]) <= EXECUTION_ITEM_BYTES for item in items)
    assert kept.response is not None
    assert kept.response.body.startswith(body[:65_536])
    assert kept.response.body.endswith("more characters not kept: over the item size limit]")
    assert kept.model_copy(update={"response": answered.response}) == answered
