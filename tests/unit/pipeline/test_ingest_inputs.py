"""Every input ingest can receive gets a defined answer: a fuzz test of the event parser and
of ingest, and a table of the hostile inputs senders and proxies really produce."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO
from tests.fakes import FakeMessageStore, FakeQueue
from webhook_engine.domain.errors import EngineError
from webhook_engine.domain.models import IncomingRequest
from webhook_engine.pipeline.http_api import parse_event
from webhook_engine.pipeline.ingest import Ingest

RECORDED = json.loads((REPO / "events/webhook_github_push.json").read_text())
ANSWERS = {202, 400, 413, 431}  # stored and queued, or refused with a reason

text = st.text(max_size=200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
# Each field of a recorded event, replaced by anything JSON can carry (or removed).
FIELDS = [
    ("body",),
    ("isBase64Encoded",),
    ("headers",),
    ("rawPath",),
    ("rawQueryString",),
    ("pathParameters",),
    ("cookies",),
    ("requestContext", "timeEpoch"),
    ("requestContext", "http", "method"),
    ("requestContext", "http", "sourceIp"),
    ("requestContext", "requestId"),
    ("requestContext",),
]
_MISSING = object()


def mutated(changes: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    event = copy.deepcopy(RECORDED)
    for path, value in changes:
        parent = event
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if value is _MISSING:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    return event


events = st.lists(
    st.tuples(st.sampled_from(FIELDS), st.just(_MISSING) | json_values), max_size=4
).map(mutated)


def ingest() -> tuple[Ingest, FakeMessageStore, FakeQueue]:
    messages, queue = FakeMessageStore(), FakeQueue()
    unused = lambda: pytest.fail("no event here asks for synchronous processing")  # noqa: E731
    never_sync = lambda uri: False  # noqa: E731
    ingest = Ingest(messages, queue, unused, 4096, 1.0, never_sync)
    return ingest, messages, queue


def parsed(event: dict[str, Any]) -> IncomingRequest | EngineError:
    try:
        return parse_event(event)
    except EngineError as error:
        return error


# A boolean source IP passes the model as an address; ipaddress warns about it.
@pytest.mark.filterwarnings("ignore:__int__ returned non-int:DeprecationWarning")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_the_parser_gives_a_request_or_a_refusal_for_any_event(event):
    # When any mutation of a recorded event is parsed
    request = parsed(event)

    # Then a refusal is a 400-class answer with a reason
    if isinstance(request, EngineError):
        assert 400 <= request.status < 500
        assert request.message
        return
    # ... and a request is well formed: method upper case, URI normalised, body bytes
    assert request.method == request.method.upper()
    assert not request.uri.startswith("/")
    assert "//" not in request.uri
    assert isinstance(request.body, bytes)


@pytest.mark.filterwarnings("ignore:__int__ returned non-int:DeprecationWarning")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events.map(lambda event: {**event, "headers": {}} if event.get("headers") else event))
def test_ingest_answers_every_event_and_queues_exactly_what_it_stored(event):
    # Given ingest on fakes (asynchronous: the sync header is taken away)
    handler, messages, queue = ingest()

    # When
    response = handler.handle(event)

    # Then the answer is defined, and stored == queued == answered with an id
    assert response["statusCode"] in ANSWERS
    body = json.loads(response["body"])
    assert len(messages.messages) == len(queue.sent) == (1 if "message_id" in body else 0)


def recorded(**changes: Any) -> dict[str, Any]:
    return mutated([((name,), value) for name, value in changes.items()])


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (recorded(body=None), 202),
        (recorded(body=""), 202),
        (recorded(body="\x00\x01 nul and control characters"), 202),
        (recorded(body="not base64!", isBase64Encoded=True), 400),
        (recorded(body="//8=", isBase64Encoded=True), 202),  # 0xFF 0xFF: not UTF-8
        (recorded(body="x" * 5000), 413),
        (recorded(headers={"x-filler": "v" * 20_000}), 431),
        (recorded(rawQueryString="a=" + "%" * 20_000), 431),
        (recorded(rawQueryString="%zz&=&&a==b"), 202),
        (recorded(pathParameters={"uri": "caf\u00e9/\u2603/%2F"}), 202),
        (recorded(pathParameters={"uri": "///"}), 202),
        (recorded(pathParameters=None, rawPath="/webhooks/a//b/"), 202),
        (recorded(headers="not a mapping"), 400),
        (recorded(requestContext=None), 400),
        ({}, 400),
        ({"Records": []}, 400),  # an SQS event sent to the wrong function
    ],
    ids=lambda value: str(value)[:40] if not isinstance(value, dict) else None,
)
def test_hostile_inputs_get_a_defined_answer(event, status):
    # Given ingest on fakes
    handler, messages, _ = ingest()

    # When
    response = handler.handle(event)

    # Then the answer is the expected one, and a refusal stored nothing
    assert response["statusCode"] == status
    assert len(messages.messages) == (1 if status == 202 else 0)
