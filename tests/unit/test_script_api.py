"""What scripts see: headers, payload parsing, the log and its caps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import EVENTS
from webhook_engine.sandbox import ScriptError, compile_script, run_script
from webhook_engine.sandbox.names import (
    MAX_LOG_ENTRIES,
    Headers,
    LogBook,
    RequestData,
    ScriptLog,
    log_limit,
    script_names,
)


def request(body: bytes, content_type: str, query: str = "") -> RequestData:
    return RequestData(
        message_id="m1",
        method="POST",
        uri="hook",
        query_string=query,
        headers={"content-type": content_type, "X-Token": "t"},
        body=body,
        source_ip="192.0.2.1",
        received_at=datetime(2026, 11, 29, tzinfo=UTC),
    )


def run(source: str, incoming: RequestData, book: LogBook | None = None) -> object:
    book = book or LogBook()
    names = script_names(incoming, {"KEY": "v"}, ScriptLog(book))
    printed = lambda line: book.add("INFO", line)  # noqa: E731
    return run_script(compile_script(source, "test"), names, 2, printed)


def test_headers_are_case_insensitive_and_read_only():
    # Given
    headers = Headers({"X-Hub-Signature-256": "sha256=abc"})

    # When / Then
    assert headers["x-hub-signature-256"] == "sha256=abc"
    assert headers.get("X-HUB-SIGNATURE-256") == "sha256=abc"
    assert "x-HUB-signature-256" in headers
    with pytest.raises(TypeError):
        headers["x"] = "y"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ((EVENTS / "github_push.json").read_bytes(), "application/json", "acme/payments"),
        (b"[1, 2]", "application/vnd.api+json", 2),
        (
            (EVENTS / "slack_command.txt").read_bytes(),
            "application/x-www-form-urlencoded",
            "/weather",
        ),
        (b"not json", "application/json", None),
        (b"\x89PNG\r\n", "image/png", None),
    ],
)
def test_payload_is_parsed_by_content_type(body, content_type, expected):
    # Given a script that digs into the payload
    source = """
if payload is None:
    return None
if isinstance(payload, list):
    return len(payload)
return payload.get("command") or payload["repository"]["full_name"]
"""
    # When
    result = run(source, request(body, content_type))

    # Then
    assert result == expected


def test_scripts_see_query_all_props_and_raw_body():
    # Given
    incoming = request(b"abc", "text/plain", query="tag=a&tag=b&x=1")

    # When
    result = run(
        'return [query["tag"], query_all["tag"], props["KEY"], raw_body, body, message_id]',
        incoming,
    )

    # Then
    assert result == ["a", ["a", "b"], "v", b"abc", "abc", "m1"]


def test_print_and_set_message_reach_the_log():
    # Given
    book = LogBook()

    # When
    run('print("hello", 42)\nlog.set_message("first line\\nsecond")', request(b"", ""), book)

    # Then
    assert [(e["level"], e["message"]) for e in book.entries] == [("INFO", "hello 42")]
    assert book.summary == "first line"


@pytest.mark.parametrize("source", ["getattr(log, '_book').entries.clear()", "log.finish()"])
def test_log_is_capped_and_scripts_cannot_reach_its_entries(source):
    # Given a script logging past the cap, then one poking at the entries
    book = LogBook()
    with pytest.raises(ScriptError) as over:
        run(f"for i in range({MAX_LOG_ENTRIES + 5}):\n    log.info(i)", request(b"", ""), book)

    # When
    with pytest.raises(ScriptError) as caught:
        run(source, request(b"", ""), book)

    # Then the first failed naming the limit, and the entries are intact
    assert over.value.error_type == "LogLimitError"
    assert f"more than {MAX_LOG_ENTRIES} log entries in one run (limit)" in over.value.message
    assert caught.value.error_type == "AttributeError"
    assert len(book.entries) == MAX_LOG_ENTRIES


def test_a_match_script_keeps_less_log_than_a_function():
    # Given the books of a match script and of a function, and a script logging 40,000 bytes
    match, function = LogBook(log_limit("match")), LogBook(log_limit("function"))
    source = f"for i in range(10):\n    log.info({'x' * 4000!r})"

    # When each runs it
    run(source, request(b"", ""), function)
    with pytest.raises(ScriptError, match="more than 8,192 bytes of logs in one run"):
        run(source, request(b"", ""), match)

    # Then the match script stopped after two lines; the function kept all ten
    assert (len(match.entries), len(function.entries)) == (2, 10)


def test_percent_format_reads_headers_by_name():
    # Given a script formatting header values by name with % (format strings read attributes)
    source = "return '%(X-Token)s %(content-type)s' % headers"

    # When
    result = run(source, request(b"", "text/plain"))

    # Then the names reach the headers as plain str, case-insensitive as ever
    assert result == "t text/plain"
