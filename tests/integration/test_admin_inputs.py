"""Each class of request the fuzzer found answered 500 (or refused though valid) gets its
defined answer; schemathesis holds the whole document to it (tests/e2e/test_admin_contract.py)."""

from __future__ import annotations

import base64
import json

import pytest

from admin.handler import lambda_handler
from tests.conftest import admin_event, new_context
from tests.integration.admin_client import call
from tests.integration.test_pipeline import GITHUB


def answer(event: dict) -> tuple[int, dict, dict]:
    response = lambda_handler(event, new_context())
    body = json.loads(response["body"]) if response.get("body") else {}
    return response["statusCode"], body, response["headers"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/test", {"uri": "a", "body_base64": "é"}, 400),  # not ASCII
        ("POST", "/functions", {"provider_id": "", "name": "f", "uri": "a", "script": "x=1"}, 404),
        ("GET", "/providers/" + "x" * 2000, None, 404),  # no item has such a key
        ("PATCH", "/providers/{github}", {"name": None, "sync": None}, 400),
        ("PUT", "/providers/order", {"ids": [""]}, 400),
        ("POST", "/messages/resubmit", {}, 400),
        ("POST", "/messages/resubmit", {"ids": None, "filter": {}}, 400),
        ("PUT", "/config", None, 400),
        ("POST", "/providers", {"name": "P", "match_script": "return 1", "position": False}, 400),
        ("PUT", "/providers/{github}", '{"name": "\\ud800", "match_script": "return 1"}', 400),
    ],
)
def test_requests_that_were_500s_get_their_answer(configure, method, path, body, status):
    # Given
    configure(GITHUB)
    github = call("GET", "/providers")[1]["items"][0]["id"]

    # When
    got, answered = call(method, path.replace("{github}", github), body)

    # Then
    assert got == status, answered
    assert answered["error"]["code"]


def test_a_body_that_is_not_utf8_is_refused(stack):
    # Given a base64-encoded body that does not decode as UTF-8
    event = admin_event("/providers", method="POST", body="{}")
    event["body"], event["isBase64Encoded"] = base64.b64encode(b"\xff\xfe{}").decode(), True

    # When
    status, body, _ = answer(event)

    # Then
    assert (status, body["error"]["code"]) == (400, "invalid_request")


def test_a_body_in_a_type_the_routes_do_not_read_is_415(stack):
    # Given
    event = admin_event("/providers", method="POST", body="{}")
    event["headers"]["content-type"] = "multipart/form-data"

    # When
    status, body, _ = answer(event)

    # Then
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/health", "GET"),
        ("POST", "/providers/order", "PUT"),
        ("PUT", "/messages/resubmit", "POST"),
        ("POST", "/providers/p-1", "DELETE, GET, PATCH, PUT"),
    ],
)
def test_a_method_a_path_does_not_take_is_405_with_the_ones_it_does(stack, method, path, allowed):
    # When
    status, body, headers = answer(admin_event(path, method=method))

    # Then
    assert (status, headers["Allow"]) == (405, allowed)
    assert body["error"]["code"] == "method_not_allowed"


def test_any_cursor_of_the_documented_form_is_a_page(stack):
    # When a cursor of the right form, that no page handed out, is given
    status, body = call("GET", "/messages", query="cursor=" + "zz" * 10)

    # Then it is a page (maybe empty), not a refusal
    assert status == 200
    assert body["items"] == []
