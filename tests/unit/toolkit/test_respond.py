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
        {"headers": {"x-nul": "a\x00b"}},
        {"headers": {"x-del": "a\x7f"}},
        {"headers": {"x-c1": "a\x85b"}},
        {"headers": {"x-euro": "5 \u20ac"}},
        {"headers": {"X-Twice": "1", "x-twice": "2"}},
        {"body": {"n": float("nan")}},
        {"body": [float("inf")]},
        {"status": 204, "body": "x"},
        {"status": 304, "body": {"a": 1}},
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
        "NUL in a value",
        "DEL in a value",
        "C1 control in a value",
        "beyond Latin-1 in a value",
        "a header twice",
        "NaN in JSON",
        "infinity in JSON",
        "204 with a body",
        "304 with a body",
        "unknown argument",
    ],
)
def test_unusable_arguments_are_an_action_error_naming_them(args):
    # When / Then
    with pytest.raises(ActionError, match=r"^respond: "):
        sync_answer(args)


def test_refusals_name_the_header_and_never_its_value():
    # When
    with pytest.raises(ActionError) as refused:
        sync_answer({"headers": {"x-token": "s3cr3t\x00"}})

    # Then
    assert "x-token" in str(refused.value)
    assert "s3cr3t" not in str(refused.value)


@pytest.mark.parametrize("status", [204, 304])
def test_answers_that_carry_no_body_may_be_given_without_one(status):
    # When / Then
    assert sync_answer({"status": status}).body == ""


def test_a_body_over_the_limit_is_refused_naming_it():
    # When / Then
    with pytest.raises(ActionLimitError, match="body over 1,048,576 bytes"):
        sync_answer({"body": "x" * (MAX_ANSWER_BYTES + 1)})


def test_a_body_is_measured_as_the_lambda_response_escapes_it():
    # Given a body of control characters, six bytes each once JSON-escaped
    body = "\x01" * (MAX_ANSWER_BYTES // 6 + 1)

    # When / Then it is over the limit, though its UTF-8 is a sixth of it
    with pytest.raises(ActionLimitError, match="body over 1,048,576 bytes"):
        sync_answer({"body": body})


def test_the_recorded_copy_is_bounded():
    # Given a large answer
    answer = sync_answer({"body": "x" * (RECORDED_BODY * 2)})

    # When / Then
    assert len(recorded(answer).body) == RECORDED_BODY
    assert len(answer.body) == RECORDED_BODY * 2
