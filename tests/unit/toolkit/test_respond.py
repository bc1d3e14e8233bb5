"""`respond`'s arguments: what becomes the answer, and what is refused."""

from __future__ import annotations

import pytest

from webhook_engine.toolkit.errors import ActionError, ActionLimitError
from webhook_engine.toolkit.respond import MAX_ANSWER_BYTES, RECORDED_BODY, recorded, sync_answer


@pytest.mark.parametrize(
    ("args", "status", "content_type", "body"),
    [
        ({}, 200, None, ""),
        ({"body": "ok"}, 200, "text/plain; charset=utf-8", "ok"),
        ({"body": {"challenge": "é"}}, 200, "application/json", '{"challenge":"é"}'),
        ({"body": [1, 2]}, 201, "application/json", "[1,2]"),
        ({"body": "<x/>", "headers": {"Content-Type": "text/xml"}}, 200, "text/xml", "<x/>"),
    ],
    ids=["empty", "text", "dict", "list", "own content type"],
)
def test_bodies_are_sent_as_text_or_json(args, status, content_type, body):
    # Given the status asked for
    args = args | ({"status": status} if status != 200 else {})

    # When
    answer = sync_answer(args)

    # Then
    assert (answer.status, answer.headers.get("content-type"), answer.body) == (
        status,
        content_type,
        body,
    )


@pytest.mark.parametrize(
    "args",
    [
        {"status": 99},
        {"status": 100},
        {"status": 600},
        {"status": "200"},
        {"status": True},
        {"headers": {"Content-Length": "1"}},
        {"headers": {"Transfer-Encoding": "chunked"}},
        {"headers": {"bad name": "x"}},
        {"headers": {"x-split": "a\r\nset-cookie: s"}},
        {"headers": {f"x-{n}": "v" for n in range(21)}},
        {"headers": ["x"]},
        {"unknown": 1},
    ],
    ids=[
        "status too low",
        "informational",
        "status too high",
        "status as text",
        "status as bool",
        "content-length",
        "transfer-encoding",
        "header name",
        "header splitting",
        "too many headers",
        "headers not a mapping",
        "unknown argument",
    ],
)
def test_unusable_arguments_are_an_action_error_naming_them(args):
    # When / Then
    with pytest.raises(ActionError, match=r"^respond: "):
        sync_answer(args)


def test_a_body_over_the_limit_is_refused_naming_it():
    # When / Then
    with pytest.raises(ActionLimitError, match="body over 1,048,576 bytes"):
        sync_answer({"body": "x" * (MAX_ANSWER_BYTES + 1)})


def test_the_recorded_copy_is_bounded():
    # Given a large answer
    answer = sync_answer({"body": "x" * (RECORDED_BODY * 2)})

    # When / Then
    assert len(recorded(answer).body) == RECORDED_BODY
    assert len(answer.body) == RECORDED_BODY * 2
