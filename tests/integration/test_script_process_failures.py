"""Script processes that cannot start, through the real handlers on moto: the failure is the
infrastructure's, never the sender's message's. Retried, then FAILED with the reason, with an
error logged and a metric counted; a synchronous sender's message is accepted (202) and queued;
never UNMATCHED or 404."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from process.handler import lambda_handler as process_handler
from tests.conftest import http_event
from tests.integration.test_pipeline import GITHUB, PUSH, ingest, signed, stored
from webhook_engine import wiring
from webhook_engine.domain.models import Status
from webhook_engine.observability import logger
from webhook_engine.pipeline import matching
from webhook_engine.sandbox.supervisor import Sandbox
from webhooks_testbed.sqs_events import SqsSource, sqs_event

# What Lambda's Python prints when its shared library is not found (the zygote's own words).
MISSING_LIBRARY = "error while loading shared libraries: libpython3.13.so.1.0: cannot open"


@pytest.fixture
def unstartable(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The container's sandbox, whose zygote fails at once, saying why on stderr."""
    sandbox = Sandbox(command=[sys.executable, "-c", f"raise SystemExit({MISSING_LIBRARY!r})"])
    monkeypatch.setattr(matching, "default_sandbox", lambda: sandbox)
    yield sandbox
    sandbox.close()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    handler = logger.logger_handler
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    yield written
    handler.setStream(previous)


def deliver(message_id: str, receives: int, context: Any) -> set[str]:
    """The queue's `receives`-th delivery of the message's first submission: the ids of the
    records reported failed (left for the queue to retry)."""
    settings = wiring.get_settings()
    region = boto3.client("sqs").meta.region_name
    source = SqsSource("ProcessFunction", settings.queue_url, settings.queue_arn, region, 10, True)
    record = {
        "MessageId": "sqs-1",
        "ReceiptHandle": "handle",
        "Body": json.dumps({"message_id": message_id, "submission": 1}),
        "Attributes": {
            "ApproximateReceiveCount": str(receives),
            "SentTimestamp": "1",
            "SenderId": "x",
            "ApproximateFirstReceiveTimestamp": "1",
        },
        "MD5OfBody": "x",
    }
    answer = process_handler(sqs_event([record], source), context)
    return {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}


def test_a_synchronous_sender_is_answered_accepted_not_404(configure, lambda_context, unstartable):
    # Given a GitHub push the provider would match, waiting for its outcome
    configure(GITHUB)
    headers = signed(PUSH) | {"flex-sync-webhook": "true"}
    # When it arrives while script processes cannot start
    status, body = ingest(http_event("git/push", PUSH, headers=headers), lambda_context)
    # Then the sender is told it is accepted (stored, queued for a retry), not that nothing
    # matched; no outcome is recorded
    assert (status, body["status"]) == (202, "RECEIVED")
    assert stored(body["message_id"]).message.status is Status.RECEIVED


def test_retried_then_failed_with_the_reason_logged_and_counted(
    configure, lambda_context, unstartable, log_lines, capsys
):
    # Given a queued push, and script processes that cannot start
    configure(GITHUB)
    _, body = ingest(http_event("git/push", PUSH, headers=signed(PUSH)), lambda_context)
    message_id = body["message_id"]
    max_receives = wiring.get_settings().max_receive_count
    # When the queue delivers it, then delivers it for the last time
    early = deliver(message_id, 1, lambda_context)
    between = stored(message_id).message.status
    last = deliver(message_id, max_receives, lambda_context)
    # Then it was retried, then ended FAILED saying why, never UNMATCHED
    assert (early, between, last) == ({"sqs-1"}, Status.RECEIVED, set())
    detail = stored(message_id)
    assert detail.message.status is Status.FAILED
    assert detail.message.reason is not None
    assert detail.message.reason.startswith("SandboxUnavailableError: script processes cannot")
    assert MISSING_LIBRARY in detail.message.reason
    assert detail.executions == []
    # and each delivery logged an error and counted the failure
    errors = [json.loads(line) for line in log_lines.getvalue().splitlines() if '"ERROR"' in line]
    assert [line["message"] for line in errors].count("script processes unavailable") == 2
    assert capsys.readouterr().out.count('"ScriptProcessFailures":[1.0]') == 2
