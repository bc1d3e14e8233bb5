"""What an execution keeps of its logs and errors: bounded so that its record always fits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhook_engine.domain.models import (
    ERROR_CHARACTERS,
    EVALUATION_LOG_BYTES,
    EXECUTION_LOG_BYTES,
    Evaluation,
    Execution,
    ExecutionStatus,
    LogEntry,
    bounded_logs,
)

AT = datetime(2026, 11, 30, tzinfo=UTC)


def entries(count: int, size: int, text: str = "x") -> list[LogEntry]:
    return [LogEntry(level="INFO", message=text * size, at=AT) for _ in range(count)]


@pytest.mark.parametrize(
    ("count", "size", "kept", "note"),
    [
        (0, 10, 0, False),
        (10, 10, 10, False),
        (10, 100, 10, False),  # exactly at the limit
        (11, 100, 10, True),
        (1, 1001, 0, True),  # one entry alone over the limit
    ],
)
def test_logs_are_kept_up_to_the_byte_limit_then_noted(count, size, kept, note):
    # When
    bounded = bounded_logs(entries(count, size), limit=1000)

    # Then
    assert [e.message for e in bounded[:kept]] == ["x" * size] * kept
    assert len(bounded) == kept + note
    if note:
        assert (
            bounded[-1].message
            == f"{count - kept} more log entries dropped (log limit 1,000 bytes)"
        )


def test_the_limit_counts_utf8_bytes_not_characters():
    # Given entries of two-byte characters
    logs = entries(2, 300, "é")

    # When bounded at 1000 bytes
    bounded = bounded_logs(logs, 1000)

    # Then only the first fits (600 + 600 bytes > 1000)
    assert len(bounded) == 2
    assert bounded[1].level == "WARNING"


def test_executions_and_evaluations_bound_what_scripts_log_at_the_documented_caps():
    # Given a script that logged 200 entries of 4000 characters (the per-entry caps)
    logs = entries(200, 4000)

    # When its execution and an evaluation are recorded
    execution = Execution(
        function="f",
        function_id="1",
        status=ExecutionStatus.FAILED,
        submission=1,
        started_at=AT,
        duration_ms=1.0,
        logs=logs,
        error="E" * 100_000,
    )
    evaluation = Evaluation(provider="p", matched=False, duration_ms=1.0, logs=logs)

    # Then each keeps what fits its limit, with the note, and the error is cut
    assert sum(len(e.message) for e in execution.logs[:-1]) <= EXECUTION_LOG_BYTES
    assert sum(len(e.message) for e in evaluation.logs[:-1]) <= EVALUATION_LOG_BYTES
    assert "dropped" in execution.logs[-1].message
    assert len(execution.error or "") == ERROR_CHARACTERS
    assert len(execution.model_dump_json()) < 100_000
