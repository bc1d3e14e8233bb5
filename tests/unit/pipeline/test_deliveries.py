"""Delivery ids: read from a header or a JSON body path, or None, never an error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhook_engine.domain.models import Deduplication, IncomingRequest
from webhook_engine.pipeline.deliveries import delivery_id


def request(body: bytes = b"", **headers: str) -> IncomingRequest:
    return IncomingRequest(
        request_id="r",
        method="POST",
        uri="x",
        headers=headers,
        body=body,
        received_at=datetime(2026, 11, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-github-delivery": "72d3162e"}, "72d3162e"),
        ({"X-GitHub-Delivery": "72d3162e"}, "72d3162e"),
        ({"x-github-delivery": "  padded  "}, "padded"),
        ({}, None),
        ({"x-github-delivery": ""}, None),
        ({"x-github-delivery": "   "}, None),
        ({"x-github-delivery": "x" * 513}, None),
    ],
)
def test_a_header_names_the_delivery(headers, expected):
    # Given
    rule = Deduplication(header="X-GitHub-Delivery")

    # Then
    assert delivery_id(rule, request(**headers)) == expected


SVIX_OR_STANDARD = Deduplication(header=["webhook-id", "svix-id"])


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"svix-id": "msg_1"}, "msg_1"),
        ({"Svix-Id": "msg_1"}, "msg_1"),
        ({"webhook-id": "msg_2"}, "msg_2"),
        ({"svix-id": "msg_1", "webhook-id": "msg_2"}, "msg_2"),
        ({"webhook-id": "", "svix-id": "msg_1"}, None),
        ({}, None),
        ({"x-github-delivery": "72d3162e"}, None),
    ],
)
def test_the_first_listed_header_present_names_the_delivery(headers, expected):
    # Then whichever header a sender sends, the first of the list that it sent gives the id;
    # one present but unusable is not passed over for another
    assert delivery_id(SVIX_OR_STANDARD, request(**headers)) == expected


def test_a_header_alone_and_a_list_of_it_name_the_same_delivery():
    # Given the same header, written alone and as a list of one
    alone, listed = Deduplication(header="webhook-id"), Deduplication(header=["webhook-id"])

    # Then
    for headers in ({"webhook-id": "msg_1"}, {"svix-id": "msg_1"}, {}):
        assert delivery_id(alone, request(**headers)) == delivery_id(listed, request(**headers))
    assert alone.headers == listed.headers == ["webhook-id"]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ([], "list of 1 to 5"),
        (["a", "b", "c", "d", "e", "f"], "list of 1 to 5"),
        (["webhook-id", 1], "each a non-empty string"),
        (["webhook-id", None], "each a non-empty string"),
        (["webhook-id", ["svix-id"]], "each a non-empty string"),
        (["webhook-id", ""], "each a non-empty string"),
        (["webhook-id", "Webhook-ID"], "'webhook-id' is listed twice"),
        ("", "a header name"),
        (1, "a header name"),
        ({"name": "webhook-id"}, "a header name"),
    ],
)
def test_an_invalid_header_list_is_refused_saying_why(header, reason):
    # Then
    with pytest.raises(ValueError, match=reason):
        Deduplication(header=header)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("id", b'{"id": "evt_1"}', "evt_1"),
        ("id", b'{"id": 42}', "42"),
        ("data.object.id", b'{"data": {"object": {"id": "in_1"}}}', "in_1"),
        ("id", b'{"other": 1}', None),
        ("id", b'{"id": true}', None),
        ("id", b'{"id": {"nested": 1}}', None),
        ("id", b'{"id": null}', None),
        ("data.id", b'{"data": []}', None),
        ("id", b"[1, 2]", None),
        ("id", b"not json", None),
        ("id", b"", None),
        ("id", b"[" * 100_000 + b"]" * 100_000, None),
    ],
)
def test_a_json_path_names_the_delivery(path, body, expected):
    # Then
    assert delivery_id(Deduplication(json_path=path), request(body)) == expected


@pytest.mark.parametrize(
    "rule",
    [{}, {"header": "a", "json_path": "b"}, {"header": ""}, {"header": "a", "window_hours": 0}],
)
def test_a_rule_names_exactly_one_source(rule):
    # Then
    with pytest.raises(ValueError, match=r"header|json_path|window_hours"):
        Deduplication.model_validate(rule)
