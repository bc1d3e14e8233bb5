"""Every input ingest can receive gets a defined answer: a fuzz test of the event parser and
of ingest, and a table of the hostile inputs senders and proxies really produce."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO
from tests.fakes import FakeMessageStore, FakeQueue
from webhook_engine.domain.errors import EngineError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import IncomingRequest
from webhook_engine.pipeline.http_api import CLOCK_SKEW, EVENT_AGE, arrival, parse_event
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


# Text as JSON can carry it, lone surrogates included ("\ud800"), and time stamps of any kind.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
time_stamps = (
    st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([-1, 0, 2**48, 253_402_300_799_999, 4_102_444_800_000, 1.5e12 + 0.5])
)
ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


@st.composite
def odd_events(draw: st.DrawFn) -> dict[str, Any]:
    """A recorded event whose body, path, a header and time stamp are drawn."""
    event = copy.deepcopy(RECORDED)
    event["body"], event["isBase64Encoded"] = draw(any_text), False
    event["pathParameters"] = {"uri": draw(any_text)}
    event["rawPath"] = "/webhooks/" + draw(any_text)
    event["headers"] = {"x-drawn": draw(any_text), "content-type": "text/plain"}
    event["requestContext"]["timeEpoch"] = draw(time_stamps)
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_events())
def test_surrogates_and_odd_time_stamps_get_an_answer_and_sane_ids(event):
    # Given ingest on fakes
    handler, messages, _ = ingest()
    before = datetime.now(UTC)

    # When any body, path, header and time stamp arrive
    response = handler.handle(event)

    # Then the answer is defined; what is stored is text DynamoDB can hold, its id a ULID of
    # a moment near now, so its retention counts from now
    assert response["statusCode"] in ANSWERS
    for message in messages.messages.values():
        assert ULID.fullmatch(message.id)
        assert before - EVENT_AGE <= message.received_at <= datetime.now(UTC) + CLOCK_SKEW
        assert new_id(int(message.received_at.timestamp() * 1000))[:10] == message.id[:10]
        json.dumps([message.uri, message.headers, message.query_string]).encode("utf-8")
        "".join([message.uri, *message.headers.values()]).encode("utf-8")


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (recorded(body="caf\udce9"), 202),  # a surrogate escape: the byte 0xE9, kept
        (recorded(body="lone \ud800 surrogate"), 400),
        (recorded(pathParameters={"uri": "a/\ud800"}), 400),
        (recorded(headers={"x-a": "\udfff"}), 400),
    ],
    ids=["surrogate escape", "lone surrogate in body", "in path", "in a header"],
)
def test_text_a_table_cannot_hold_is_refused(event, status):
    # Given ingest on fakes
    handler, messages, _ = ingest()

    # When
    response = handler.handle(event)

    # Then
    assert response["statusCode"] == status
    assert len(messages.messages) == (1 if status == 202 else 0)


@pytest.mark.parametrize(
    "stamp",
    [-1, 0, -1_741_806_238_412, 4_102_444_800_000, 253_402_300_799_999, 1.5e12],
    ids=["negative", "zero", "far past", "year 2100", "year 9999", "2017 as float"],
)
def test_a_time_stamp_that_cannot_be_this_requests_gives_way_to_the_clock(stamp):
    # Given
    now = datetime.now(UTC)

    # When
    moment = arrival(datetime.fromtimestamp(stamp / 1000, UTC), now)

    # Then
    assert moment == now
