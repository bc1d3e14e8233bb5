"""`respond`'s arguments: what becomes the answer, and what is refused. The answer is served
from the webhook API's origin, so anything a browser would act on is refused, by class:
statuses, header names (in every case and spelling), content types, redirect targets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.actions.respond import MAX_ANSWER_BYTES, RECORDED_BODY, recorded, sync_answer
from webhook_engine.sandbox.redaction import Redactor

FORCED = {"x-content-type-options": "nosniff", "content-security-policy": "sandbox"}
TOKEN_CHARACTERS = "!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"


def refusal(args: dict, redirect_hosts: tuple[str, ...] = ()) -> str:
    with pytest.raises(ActionRefused) as refused:
        sync_answer(args, redirect_hosts)
    return str(refused.value)


def spellings(name: str) -> list[str]:
    return [name, name.lower(), name.upper(), name.swapcase()]


# what becomes the answer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "content_type", "body"),
    [
        ({}, 200, None, ""),
        ({"body": "ok"}, 200, "text/plain; charset=utf-8", "ok"),
        ({"body": {"challenge": "é"}}, 200, "application/json", '{"challenge":"é"}'),
        ({"body": [1, 2]}, 201, "application/json", "[1,2]"),
        (
            {"body": "{}", "headers": {"Content-Type": "application/problem+json"}},
            422,
            "application/problem+json",
            "{}",
        ),
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
    [{}, {"body": "x"}, {"body": {"a": 1}}, {"status": 404, "headers": {"X-Trace": "t"}}],
)
def test_every_answer_tells_browsers_not_to_sniff_or_run_it(args):
    # When
    answer = sync_answer(args)

    # Then
    assert answer.headers.items() >= FORCED.items()


@pytest.mark.parametrize("name", ["X-Content-Type-Options", "Content-Security-Policy"])
def test_the_engines_own_headers_cannot_be_set(name):
    # When / Then
    for spelling in spellings(name):
        assert f"header {spelling} refused" in refusal({"headers": {spelling: "x"}})


# statuses --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [200, 201, 202, 204, 206, 299, 400, 401, 404, 429, 500, 503, 599]
)
def test_success_client_and_server_error_statuses_are_answered(status):
    # When / Then
    assert sync_answer({"status": status}).status == status


@pytest.mark.parametrize("status", [300, 304, 305, 306, 309, 399])
def test_other_3xx_statuses_are_refused_even_with_a_location(status):
    # When
    message = refusal({"status": status, "headers": {"Location": "/done"}})

    # Then
    assert message.startswith(f"respond: status {status} refused; a script answers 2xx, 4xx")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_needs_a_location(status):
    # When / Then
    assert refusal({"status": status}) == f"respond: a {status} redirect needs a Location header"
    assert sync_answer({"status": status, "headers": {"Location": "/done"}}).status == status


# header names ------------------------------------------------------------------------------------

REFUSED_NAMES = [
    "Set-Cookie",
    "Set-Cookie2",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Allow-Private-Network",
    "Cross-Origin-Resource-Policy",
    "Cross-Origin-Opener-Policy",
    "Cross-Origin-Embedder-Policy",
    "Refresh",
    "Link",
    "WWW-Authenticate",
    "Proxy-Authenticate",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Location",
    "Cache-Control",
    "Expires",
    "ETag",
    "Vary",
    "Strict-Transport-Security",
    "Clear-Site-Data",
    "Permissions-Policy",
    "Referrer-Policy",
    "Service-Worker-Allowed",
    "SourceMap",
    "Alt-Svc",
    "Server",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Keep-Alive",
    "Upgrade",
    "Trailer",
    "flex-message-id",
    "X-Amz-Apigw-Id",
    "X-Amzn-RequestId",
    "X-Amzn-Remapped-Authorization",
    "X-Amzn-Trace-Id",
    "X-Accel-Redirect",
    "X-Accel-Buffering",
    "X-Sendfile",
    "X-Lighttpd-Send-File",
]


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_headers_off_the_allow_list_are_refused_in_every_case(name):
    # When / Then each spelling is refused, naming the header and the rule
    for spelling in spellings(name):
        message = refusal({"headers": {spelling: "x"}})
        assert message.startswith(f"respond: header {spelling} refused; a script sets")


@pytest.mark.parametrize(
    "name",
    [
        " Set-Cookie",
        "Set-Cookie ",
        "Set-Cookie\t",
        "Set-Cookie:",
        "Set-Cookie\r\n",
        "X-A\r\nSet-Cookie",
        "X-A: 1\r\nSet-Cookie",
        "Set\u00adCookie",  # soft hyphen
        "Set\u2010Cookie",  # hyphen lookalike
        "X\u200b-Trace",  # zero-width space
        "\ufeffX-Trace",
        "",
        "X" * 101,
    ],
)
def test_header_names_that_are_not_plain_tokens_are_refused(name):
    # When / Then
    assert refusal({"headers": {name: "x"}}).startswith("respond: header name ")


@given(name=st.text(alphabet=TOKEN_CHARACTERS, min_size=1, max_size=30))
def test_no_name_off_the_allow_list_passes(name):
    # Given any header name HTTP carries
    lowered = name.lower()
    reserved = lowered.startswith(("x-amz-", "x-amzn-", "x-accel-")) or lowered in (
        "x-sendfile",
        "x-lighttpd-send-file",
        "x-content-type-options",
    )
    allowed = lowered == "content-type" or (lowered.startswith("x-") and not reserved)

    # When / Then it passes only when it is on the allow-list
    args = {"headers": {name: "text/plain" if allowed else "x"}}
    if allowed:
        assert lowered in sync_answer(args).headers
    else:
        with pytest.raises(ActionRefused):
            sync_answer(args)


@pytest.mark.parametrize("name", ["X-Request-Id", "x-slack-no-retry", "X-GitHub-Thing", "x-"])
def test_x_headers_are_answered(name):
    # When
    answer = sync_answer({"headers": {name: "value"}})

    # Then (by lower-case name)
    assert answer.headers[name.lower()] == "value"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Twice": "1", "x-twice": "2"},
        {"Content-Type": "text/plain", "content-type": "text/csv"},
        {"Location": "/a", "LOCATION": "/b"},
    ],
)
def test_a_header_given_twice_in_any_case_is_refused(headers):
    # When / Then
    assert refusal({"headers": headers}).endswith("is given twice")


@pytest.mark.parametrize(
    "value",
    ["1\r\nSet-Cookie: a=b", "1\nSet-Cookie: a=b", "1\rx", "a\x00b", "a\x7f", "a\x85b", "5 \u20ac"],
)
def test_header_values_that_could_split_the_answer_or_are_not_latin_1_are_refused(value):
    # When
    message = refusal({"headers": {"X-Token": value}})

    # Then the header is named, never its value
    assert message.startswith("respond: header X-Token: over 4,096 characters, or control")
    assert value not in message


# content types -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "TEXT/PLAIN",
        "text/plain; charset=utf-8",
        "text/plain;charset=UTF-8",
        'text/plain; charset="utf-8"',
        " text/csv ",
        "application/json",
        "Application/JSON",
        "application/problem+json",
        "application/vnd.api+json",
        "application/x-www-form-urlencoded",
    ],
)
def test_text_and_data_content_types_are_answered(content_type):
    # When / Then
    assert sync_answer({"headers": {"Content-Type": content_type}}).headers["content-type"] == (
        content_type
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "TEXT/HTML",
        "Text/Html",
        " text/html",
        "text/html\t",
        "text/html; charset=utf-8",
        "text/html;",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "text/xsl",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/css",
        "application/pdf",
        "application/x-shockwave-flash",
        "multipart/x-mixed-replace; boundary=x",
        "text/vnd.wap.wml",
        "image/png",
        "text/plain, text/html",
        "text/plain,text/html",
        "text/plain; charset=utf-7",
        "text/plain; charset=utf-8; x=1",
        "text/plain;;",
        "text/plain; charset=utf-8, text/html",
        "application/json+xml",
        "text/plain/html",
        "",
        "*/*",
    ],
)
def test_content_types_a_browser_might_render_or_run_are_refused(content_type):
    # When / Then
    message = refusal({"body": "x", "headers": {"Content-Type": content_type}})
    assert message.startswith("respond: Content-Type refused; a script answers text/plain")


# Location ------------------------------------------------------------------------------------------

LISTED = ("login.example.com", "hooks.example.com:8443")


@pytest.mark.parametrize(
    "location",
    [
        "/done",
        "/a/b?c=d#e",
        "/%2F%2Fevil.com",  # an encoded slash is part of the path, not a host
        "https://login.example.com/x",
        "http://login.example.com/x",
        "https://LOGIN.example.com/x",
        "https://login.example.com./x",
        "https://login.example.com:444/x",  # listed without a port: any port
        "https://hooks.example.com:8443/",
    ],
)
def test_a_location_on_this_host_or_a_listed_one_is_answered(location):
    # When
    answer = sync_answer({"status": 302, "headers": {"Location": location}}, LISTED)

    # Then
    assert answer.headers["location"] == location


@pytest.mark.parametrize(
    "location",
    [
        "//evil.com",
        "///evil.com",
        "//login.example.com",  # scheme-relative: refused, whatever the host
        "/\\evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        "/ /evil.com",
        " /done",
        "/done ",
        "https://evil.com",
        "http://evil.com/",
        "HTTPS://EVIL.COM/",
        "https:evil.com",
        "https:/evil.com",
        "https:///evil.com",
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://login.example.com/",
        "https://login.example.com@evil.com/",
        "https://evil.com#@login.example.com",
        "https://evil.com?@login.example.com",
        "https://evil.com\\@login.example.com",
        "https://login.example.com.evil.com/",
        "https://evil.com/login.example.com",
        "https://l\u043egin.example.com/",  # Cyrillic o
        "https://hooks.example.com/",  # listed on port 8443 only
        "https://hooks.example.com:443/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://login.example.com:0/",
        "https://login.example.com:99999/",
        "evil.com",
        "",
    ],
)
def test_a_location_to_any_other_host_or_in_any_other_form_is_refused(location):
    # When / Then, with a redirect status and with another status alike
    for status in (302, 201):
        message = refusal({"status": status, "headers": {"Location": location}}, LISTED)
        assert message.startswith(("respond: Location", "respond: header Location: "))


def test_a_provider_without_redirect_hosts_redirects_on_its_own_host_only():
    # When / Then
    assert "Location to login.example.com refused" in refusal(
        {"status": 302, "headers": {"Location": "https://login.example.com/"}}
    )
    assert sync_answer({"status": 303, "headers": {"Location": "/done"}}).status == 303


# arguments of the wrong type, and limits ------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        {"status": 99},
        {"status": 100},
        {"status": 600},
        {"status": "200"},
        {"status": True},
        {"headers": {f"x-{n}": "v" for n in range(21)}},
        {"headers": ["x"]},
        {"headers": {"x-n": 1}},
        {"body": {"n": float("nan")}},
        {"body": [float("inf")]},
        {"body": b"x"},
        {"unknown": 1},
    ],
    ids=[
        "status too low",
        "informational",
        "status too high",
        "status as text",
        "status as bool",
        "too many headers",
        "headers not a mapping",
        "a header value not text",
        "NaN in JSON",
        "infinity in JSON",
        "bytes",
        "unknown argument",
    ],
)
def test_unusable_arguments_are_an_action_error_naming_them(args):
    # When / Then
    with pytest.raises(ActionError, match=r"^respond: "):
        sync_answer(args)


@pytest.mark.parametrize("status", [204, 205])
def test_answers_that_carry_no_body_are_refused_one(status):
    # When / Then
    assert sync_answer({"status": status}).body == ""
    assert refusal({"status": status, "body": "x"}) == f"respond: a {status} answer carries no body"


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
    assert len(recorded(answer, Redactor([]).text).body) == RECORDED_BODY
    assert len(answer.body) == RECORDED_BODY * 2


@given(before=st.integers(min_value=RECORDED_BODY - 40, max_value=RECORDED_BODY + 5))
def test_the_recorded_copy_is_masked_before_it_is_cut(before):
    # Given an answer whose body holds a secret at any place around the cut, and in a header
    secret = "s3cr3t-t0k3n-0123456789"
    answer = sync_answer(
        {"body": "x" * before + secret + "y" * RECORDED_BODY, "headers": {"X-Key": secret}}
    )

    # When it is recorded
    kept = recorded(answer, Redactor([secret]).text)

    # Then not one character of the secret survived the cut, and the header is masked
    assert len(kept.body) <= RECORDED_BODY
    assert secret[:2] not in kept.body
    assert kept.headers["x-key"] == "***"
