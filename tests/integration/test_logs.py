"""Logs on the happy path: one INFO line per invocation of ingest, admin and the sweeper, and
one per record of a process batch, each carrying the Lambda context and the message's keys."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sweeper.handler import lambda_handler as sweeper_handler
from tests.conftest import http_event, new_context
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import GITHUB, PUSH, ingest, signed
from webhook_engine.observability import logger


@pytest.fixture
def info_lines() -> Iterator[Callable[[Callable[[], Any]], list[dict[str, Any]]]]:
    """The INFO lines the functions' logger writes while `invoke` runs, as JSON objects."""
    handler = logger.logger_handler
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    stream = handler.setStream(written)

    def capture(invoke: Callable[[], Any]) -> list[dict[str, Any]]:
        written.seek(0)
        written.truncate()
        invoke()
        lines = [json.loads(line) for line in written.getvalue().splitlines()]
        return [line for line in lines if line.get("level") == "INFO"]

    yield capture
    handler.setStream(stream)


def push(sync: bool = False) -> dict[str, Any]:
    headers = signed(PUSH) | ({"flex-sync-webhook": "true"} if sync else {})
    return http_event("git/push", PUSH, headers=headers, query="projectId=123")


def test_an_async_ingest_logs_one_line(configure, info_lines):
    # Given
    configure(GITHUB)

    # When a push is accepted
    answers: list[Any] = []
    lines = info_lines(lambda: answers.append(ingest(push(), new_context())))

    # Then one line says it was queued, with the message's keys and the invocation's
    status, body = answers[0]
    assert status == 202
    assert [line["message"] for line in lines] == ["message queued"]
    keys = lines[0]
    assert (keys["message_id"], keys["uri"], keys["method"], keys["mode"]) == (
        body["message_id"],
        "git/push",
        "POST",
        "async",
    )
    assert keys["function_request_id"]
    assert keys["correlation_id"]


def test_a_sync_ingest_logs_one_line_with_the_outcome(configure, info_lines):
    # Given
    configure(GITHUB)

    # When a push is processed inline
    answers: list[Any] = []
    lines = info_lines(lambda: answers.append(ingest(push(sync=True), new_context())))

    # Then one line gives the outcome, with the request's keys
    assert answers[0][0] == 200
    assert [line["message"] for line in lines] == ["submission processed"]
    keys = lines[0]
    assert (keys["message_id"], keys["mode"], keys["status"], keys["functions"]) == (
        answers[0][1]["message_id"],
        "sync",
        "SUCCESS",
        2,
    )


def test_a_process_batch_logs_one_line_per_record(configure, info_lines):
    # Given two queued pushes
    configure(GITHUB)
    ids = {ingest(push(), new_context())[1]["message_id"] for _ in range(2)}

    # When one invocation processes both
    lines = info_lines(lambda: drain_queue(new_context()))

    # Then each record has its line, with its own message id
    assert [line["message"] for line in lines] == ["submission processed"] * 2
    assert {line["message_id"] for line in lines} == ids
    assert {line["status"] for line in lines} == {"SUCCESS"}


def test_a_sweep_logs_one_line(configure, info_lines):
    # Given nothing left unfinished
    configure(GITHUB)

    # When the sweeper runs
    lines = info_lines(lambda: sweeper_handler({}, new_context()))

    # Then
    assert [(line["message"], line["requeued"]) for line in lines] == [("sweep done", 0)]


def test_an_admin_call_logs_one_line(configure, info_lines):
    # Given
    configure(GITHUB)

    # When an operator lists messages
    answers: list[Any] = []
    lines = info_lines(lambda: answers.append(call("GET", "/messages")))

    # Then one line names the call and its status
    assert answers[0][0] == 200
    assert [(line["message"], line["method"], line["path"], line["status"]) for line in lines] == [
        ("admin request", "GET", "/admin/v1/messages", 200)
    ]
