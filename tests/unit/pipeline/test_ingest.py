"""Ingest's decisions: store first, then queue (202) or process inline (200/404/500)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import http_event
from tests.fakes import FakeMessageStore, FakeQueue
from tests.unit.builders import request
from webhook_engine.domain.models import Mode, Status, SyncAnswer
from webhook_engine.domain.ports import Outcome
from webhook_engine.pipeline.ingest import MAX_HEAD_BYTES, Ingest, is_sync

MAX_BODY = 2048
SYNC = {"flex-sync-webhook": "true"}


@dataclass
class FakeProcessor:
    """Stands in for Processor: answers `outcome` (or raises `error`) and records its calls."""

    outcome: Outcome | None = None
    error: Exception | None = None
    calls: list[tuple[str, int, float | None]] = field(default_factory=list)
    waited: list[bool] = field(default_factory=list)

    def process(
        self, message_id: str, submission: int, budget: float | None = None, waiting: bool = False
    ):
        self.calls.append((message_id, submission, budget))
        self.waited.append(waiting)
        if self.error is not None:
            raise self.error
        return self.outcome


class Setup:
    def __init__(self) -> None:
        self.messages, self.queue = FakeMessageStore(), FakeQueue()
        self.processor, self.builds = FakeProcessor(), 0
        self.sync_uris: set[str] = set()
        self.ingest = Ingest(
            messages=self.messages,
            queue=self.queue,
            processor=self._build,
            max_body_bytes=MAX_BODY,
            sync_budget=20.0,
            sync_route=self._sync_route,
        )

    def _sync_route(self, uri: str) -> bool:
        if "unreadable" in self.sync_uris:
            raise RuntimeError("configuration table unavailable")
        return uri in self.sync_uris

    def _build(self) -> Any:
        self.builds += 1
        return self.processor

    def handle(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.ingest.handle(event)
        return response["statusCode"], json.loads(response["body"])

    def stored_modes(self) -> list[Mode]:
        return [
            submission.mode
            for message_id in self.messages.messages
            for submission in self.messages.get_detail(message_id).submissions
        ]


@pytest.fixture
def setup() -> Setup:
    return Setup()


def test_async_is_stored_queued_once_and_answered_202(setup):
    # Given an ordinary webhook
    event = http_event("/git//push/", b'{"ref": "main"}')

    # When
    status, body = setup.handle(event)

    # Then
    detail = setup.messages.get_detail(body["message_id"])
    assert (status, list(body)) == (202, ["message_id"])
    assert setup.queue.sent == [(body["message_id"], 1)]
    assert (detail.message.uri, detail.message.body) == ("git/push", b'{"ref": "main"}')
    assert [(s.submission, s.mode) for s in detail.submissions] == [(1, Mode.ASYNC)]
    assert setup.builds == 0


@pytest.mark.parametrize(
    ("outcome", "code", "status"),
    [
        (Outcome(Status.SUCCESS), 200, "SUCCESS"),
        (Outcome(Status.UNMATCHED), 404, "UNMATCHED"),
        (Outcome(Status.FAILED), 500, "FAILED"),
        (None, 500, "PROCESSING"),
    ],
    ids=["success", "unmatched", "failed", "already being processed"],
)
def test_sync_answers_with_the_outcome(setup, outcome, code, status):
    # Given a processor that decides `outcome`
    setup.processor.outcome = outcome

    # When a synchronous webhook arrives
    answer, body = setup.handle(http_event("hook", b"{}", headers=SYNC))

    # Then it was stored, processed inline within the budget, and not queued
    assert (answer, body["status"]) == (code, status)
    assert setup.processor.calls == [(body["message_id"], 1, 20.0)]
    assert setup.queue.sent == []
    submission = setup.messages.get_detail(body["message_id"]).submissions[0]
    assert submission.mode is Mode.SYNC


def test_a_uri_the_configuration_serves_synchronously_needs_no_header(setup):
    # Given a configuration answering `slack/events` synchronously
    setup.sync_uris.add("slack/events")
    setup.processor.outcome = Outcome(Status.SUCCESS)

    # When a webhook without the sync header arrives there, and one elsewhere
    sync_code, sync_body = setup.handle(http_event("slack/events", b"{}"))
    async_code, _ = setup.handle(http_event("git/push", b"{}"))

    # Then the first was processed inline for a waiting sender; the second was queued
    assert (sync_code, sync_body["status"], async_code) == (200, "SUCCESS", 202)
    assert setup.processor.waited == [True]
    assert len(setup.queue.sent) == 1
    assert sorted(setup.stored_modes()) == [Mode.ASYNC, Mode.SYNC]


def test_an_unreadable_configuration_still_stores_and_queues(setup):
    # Given a configuration that cannot be read
    setup.sync_uris.add("unreadable")

    # When a webhook arrives
    status, body = setup.handle(http_event("slack/events", b"{}"))

    # Then it is answered as asynchronous, stored and queued
    assert status == 202
    assert setup.queue.sent == [(body["message_id"], 1)]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (SyncAnswer(status=200, headers={"content-type": "text/plain"}, body="c4"), "c4"),
        (SyncAnswer(status=201, headers={"content-type": "application/json"}, body="{}"), "{}"),
        (SyncAnswer(status=503, body=""), ""),
        (
            SyncAnswer(
                status=200,
                headers={"content-security-policy": "default-src *", "flex-message-id": "x"},
                body="",
            ),
            "",
        ),
    ],
    ids=["challenge", "json", "empty", "engine's headers held"],
)
def test_a_scripts_respond_is_the_answer(setup, answer, expected):
    # Given a submission whose function responded
    setup.processor.outcome = Outcome(Status.SUCCESS, answer=answer)

    # When a synchronous webhook arrives
    response = setup.ingest.handle(http_event("hook", b"{}", headers=SYNC))

    # Then the answer is the script's, as it set it, with the message's id and the headers
    # that keep browsers from acting on it (set here too, whatever the answer held)
    assert (response["statusCode"], response["body"]) == (answer.status, expected)
    message_id = next(iter(setup.messages.messages))
    assert response["headers"] == answer.headers | {
        "flex-message-id": message_id,
        "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox",
    }


def test_a_stored_message_is_accepted_even_when_the_queue_refuses_it(setup):
    # Given a queue that refuses
    setup.queue.error = RuntimeError("SQS is down")

    # When
    status, body = setup.handle(http_event("hook", b"{}"))

    # Then stored means accepted: 202 with the id (the sweeper queues it), not an invitation
    # to send it again
    assert status == 202
    assert setup.messages.get_message(body["message_id"]).status is Status.RECEIVED


def test_a_synchronous_message_that_could_not_be_processed_is_accepted_and_queued(setup):
    # Given a processor that raises
    setup.processor.error = RuntimeError("DynamoDB throttled")

    # When
    status, body = setup.handle(http_event("hook", b"{}", headers=SYNC))

    # Then it is accepted (202, RECEIVED: no outcome yet) and queued for processing
    assert (status, body["status"]) == (202, "RECEIVED")
    assert setup.queue.sent == [(body["message_id"], 1)]


def test_a_synchronous_message_neither_processed_nor_queued_is_still_accepted(setup):
    # Given a processor that raises and a queue that refuses
    setup.processor.error = RuntimeError("DynamoDB throttled")
    setup.queue.error = RuntimeError("SQS is down")

    # When
    status, body = setup.handle(http_event("hook", b"{}", headers=SYNC))

    # Then it is stored, so accepted: the sweeper queues it
    assert (status, body["status"]) == (202, "RECEIVED")
    assert setup.messages.get_message(body["message_id"]).status is Status.RECEIVED


@pytest.mark.parametrize("headers", [{}, SYNC], ids=["async", "sync"])
def test_body_over_the_limit_is_413_and_nothing_is_stored(setup, headers):
    # Given a maximum of MAX_BODY bytes
    # When
    status, body = setup.handle(http_event("hook", b"x" * (MAX_BODY + 1), headers=headers))

    # Then
    assert (status, body["error"]["code"]) == (413, "payload_too_large")
    assert setup.messages.messages == {}
    assert (setup.queue.sent, setup.processor.calls) == ([], [])


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"x-big": "h" * MAX_HEAD_BYTES}, ""), ({}, "q=" + "x" * MAX_HEAD_BYTES)],
    ids=["headers", "query string"],
)
def test_headers_and_query_over_the_limit_are_431_and_nothing_is_stored(setup, headers, query):
    # Given headers and query string together over MAX_HEAD_BYTES
    # When
    status, body = setup.handle(http_event("hook", b"{}", headers=headers, query=query))

    # Then
    assert (status, body["error"]["code"]) == (431, "headers_too_large")
    assert setup.messages.messages == {}
    assert setup.queue.sent == []


def test_body_at_the_limit_is_accepted(setup):
    # Given a maximum of MAX_BODY bytes
    # When
    status, body = setup.handle(http_event("hook", b"x" * MAX_BODY, binary=True))

    # Then
    assert status == 202
    assert setup.messages.get_message(body["message_id"]).body == b"x" * MAX_BODY


@pytest.mark.parametrize(
    "event",
    [{"hello": "world"}, {**http_event("hook"), "body": "@@@", "isBase64Encoded": True}],
    ids=["not an HTTP API event", "bad base64 body"],
)
def test_bad_event_is_400_and_nothing_is_stored(setup, event):
    # Given an event ingest cannot read
    # When
    status, body = setup.handle(event)

    # Then
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    assert setup.messages.messages == {}
    assert setup.queue.sent == []


def test_binary_body_is_stored_byte_for_byte(setup):
    # Given a body that is not UTF-8
    raw = bytes(range(256))

    # When
    _, body = setup.handle(
        http_event("hook", raw, headers={"content-type": "image/png"}, binary=True)
    )

    # Then
    assert setup.messages.get_message(body["message_id"]).body == raw


@pytest.mark.parametrize(
    ("value", "sync"),
    [
        ("true", True),
        ("TRUE", True),
        (" true ", True),
        ("false", False),
        ("1", False),
        (None, False),
    ],
)
def test_sync_header(value, sync):
    # Given
    headers = {} if value is None else {"flex-sync-webhook": value}

    # When / Then
    assert is_sync(request(headers=headers)) is sync
