"""`http` arguments as scripts pass them: what a valid call sends, and each class of bad
argument refused with a message that names it and never echoes a value."""

from __future__ import annotations

from typing import Any

import pytest

from webhook_engine.actions.addresses import AddressPolicy
from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.actions.http import (
    MAX_REQUEST_BYTES,
    HttpCall,
    HttpPerformer,
    OutboundRequest,
    reply_for_script,
)
from webhook_engine.domain.ports import HttpClient, HttpReply

URL = "https://api.example.com/v1/items"


def test_a_bare_url_is_a_get_with_the_default_timeout() -> None:
    # When
    parts = HttpCall.from_script({"url": URL}).request_parts()

    # Then
    assert parts == OutboundRequest("GET", URL, {}, None, 10.0)


def test_json_is_sent_compact_as_utf8_with_its_content_type() -> None:
    # Given
    args = {"method": "POST", "url": URL, "json": {"name": "café", "n": [1, 2.5, None]}}

    # When
    method, _, headers, body, _ = HttpCall.from_script(args).request_parts()

    # Then
    assert method == "POST"
    assert headers == {"Content-Type": "application/json"}
    assert body == '{"name":"café","n":[1,2.5,null]}'.encode()


def test_a_content_type_the_script_set_is_kept_for_json() -> None:
    # Given
    args = {"method": "PUT", "url": URL, "json": [], "headers": {"content-type": "application/x"}}

    # When
    _, _, headers, body, _ = HttpCall.from_script(args).request_parts()

    # Then
    assert headers == {"content-type": "application/x"}
    assert body == b"[]"


def test_data_is_sent_as_utf8_with_the_scripts_own_headers_and_timeout() -> None:
    # Given
    args = {
        "method": "PATCH",
        "url": URL,
        "data": "a=1&b=é",
        "headers": {"Content-Type": "application/x-www-form-urlencoded", "X-Trace": "abc"},
        "timeout": 2.5,
    }

    # When
    parts = HttpCall.from_script(args).request_parts()

    # Then
    assert parts.body == "a=1&b=é".encode()
    assert parts.headers == args["headers"]
    assert parts.timeout == 2.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "url: Field required"),
        ({"url": ""}, "url: String should have at least 1 character"),
        ({"url": "https://x/" + "a" * 9000}, "url: String should have at most 8192 characters"),
        ({"url": URL, "method": "TRACE"}, "method: Input should be 'GET', 'POST'"),
        ({"url": URL, "method": "get"}, "method: Input should be 'GET'"),
        ({"url": URL, "json": {}, "data": "x"}, "pass json or data, not both"),
        ({"url": URL, "data": 5}, "data: Input should be a valid string"),
        ({"url": URL, "timeout": 0}, "timeout: Input should be greater than 0"),
        ({"url": URL, "timeout": -1}, "timeout: Input should be greater than 0"),
        ({"url": URL, "timeout": float("inf")}, "timeout: Input should be a finite number"),
        ({"url": URL, "json": {"x": float("nan")}}, "NaN or infinity"),
        ({"url": URL, "params": {"a": "1"}}, "params: Extra inputs are not permitted"),
        ({"url": URL, "headers": ["a"]}, "headers: Input should be a valid dictionary"),
        ({"url": URL, "headers": {"X": 1}}, "headers.X: Input should be a valid string"),
    ],
)
def test_bad_arguments_are_an_action_error_naming_the_argument(
    args: dict[str, Any], message: str
) -> None:
    # When / Then
    with pytest.raises(ActionError) as error:
        HttpCall.from_script(args)
    assert str(error.value).startswith("http: ")
    assert message in str(error.value)
    assert not isinstance(error.value, ActionLimitError)


@pytest.mark.parametrize(
    "name", ["Host", "content-length", "Transfer-Encoding", "CONNECTION", "Upgrade", "TE"]
)
def test_headers_the_client_owns_cannot_be_set(name: str) -> None:
    # When / Then
    with pytest.raises(ActionError, match=f"header {name} is set by the client"):
        HttpCall.from_script({"url": URL, "headers": {name: "x"}})


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-Token": "secret\r\nHost: evil"}, "header X-Token is too long or holds control"),
        ({"X-Token": "secret\x00"}, "header X-Token is too long or holds control"),
        ({"X-Emoji": "\U0001f600"}, "non-Latin-1"),
        ({"X-Long": "a" * 8193}, "too long"),
        ({"Bad Name": "x"}, "'Bad Name' is not a header name"),
        ({"X:Y": "x"}, "is not a header name"),
        ({"": "x"}, "is not a header name"),
        ({"X-A": "1", "x-a": "2"}, "header x-a is given twice"),
        ({f"X-{n}": "v" for n in range(51)}, "headers: Dictionary should have at most 50 items"),
    ],
)
def test_header_injection_and_abuse_are_refused(headers: dict[str, str], message: str) -> None:
    # When / Then
    with pytest.raises(ActionError) as error:
        HttpCall.from_script({"url": URL, "headers": headers})
    assert message in str(error.value)


def test_refusals_never_echo_a_value() -> None:
    # Given arguments holding a secret, invalid in several ways
    secret = "sk_live_do_not_show"
    args = {"url": URL, "headers": {"Authorization": secret + "\n"}, "timeout": secret}

    # When
    with pytest.raises(ActionError) as error:
        HttpCall.from_script(args)

    # Then the message names where, not what, and counts the rest
    assert secret not in str(error.value)
    assert "(and 1 more)" in str(error.value)


def test_a_body_over_the_limit_is_a_limit_error_naming_it() -> None:
    # Given data one byte over the limit, once encoded
    data = "é" * (MAX_REQUEST_BYTES // 2) + "a"

    # When / Then
    with pytest.raises(ActionLimitError, match=f"over the {MAX_REQUEST_BYTES}-byte limit"):
        HttpCall.from_script({"method": "POST", "url": URL, "data": data})


def test_a_reply_becomes_json_data_with_its_text_decoded() -> None:
    # Given a reply with a body that is not all valid UTF-8
    reply = HttpReply(200, {"content-type": "text/plain"}, "ok é".encode() + b"\xff", URL)

    # When
    value = reply_for_script(reply)

    # Then
    assert value == {
        "status": 200,
        "headers": {"content-type": "text/plain"},
        "text": "ok é\ufffd",
        "url": URL,
    }


# the description, which dry runs record ---------------------------------------------------


def no_client() -> HttpClient:
    raise AssertionError("the client was used while describing")


def describing(*allowed: str) -> HttpPerformer:
    """A performer whose policy would fail any lookup and whose client must not be used."""

    def no_lookup(host: str, port: int) -> list[str]:
        raise AssertionError(f"{host} looked up while describing")

    return HttpPerformer(no_client, lambda: AddressPolicy(allowed, resolver=no_lookup))


@pytest.mark.parametrize(
    ("url", "call"),
    [
        ("https://api.example.com/v1/items?token=t0p", "GET https://api.example.com/v1/items"),
        ("https://API.example.com.:8443#frag?x", "GET https://API.example.com.:8443"),
        ("http://bücher.example/ü", "GET http://bücher.example/ü"),
        ("http://10.0.4.12:8443/build", "GET http://10.0.4.12:8443/build"),  # listed below
    ],
)
def test_a_call_is_described_as_written_without_query_and_without_a_lookup(url: str, call: str):
    # When
    described = describing("10.0.4.12:8443").describe("http", {"method": "GET", "url": url})

    # Then: the URL as the script wrote it (so that a secret URL is recognised and masked),
    # without query string or fragment; no name looked up
    assert described == call


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://deploy:s3cr3t-pw@api.example.com/", "with a user or password are refused"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://0x7f.1/", "a loopback address"),
        ("http://10.0.4.12/", "a private address"),  # listed for port 8443 only
        ("ftp://api.example.com/", "only http and https"),
        ("http://[::1/", "not valid"),
    ],
)
def test_a_dry_run_refuses_what_a_real_call_would_without_showing_it(url: str, reason: str):
    # When a call breaking a rule that needs no lookup is described (as a dry run does)
    with pytest.raises(ActionRefused, match=reason) as refused:
        describing("10.0.4.12:8443").describe("http", {"method": "GET", "url": url})

    # Then it is refused as the real call would be, and the refusal shows no credential
    assert "s3cr3t" not in str(refused.value)


def test_an_unusable_allow_list_fails_describing_naming_the_setting():
    # Given a deployment whose HttpAllowedHosts holds a malformed entry
    performer = HttpPerformer(no_client, lambda: AddressPolicy(["http://x/"]))

    # When / Then
    with pytest.raises(ActionError, match="the deployment's HttpAllowedHosts: allowed host"):
        performer.describe("http", {"url": URL})
