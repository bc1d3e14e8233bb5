"""What scripts see: headers, payload parsing, the log and its caps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import EVENTS
from webhook_engine.domain.models import IncomingRequest
from webhook_engine.sandbox import ScriptError, compile_script, run_script
from webhook_engine.sandbox.names import MAX_LOG_ENTRIES, Headers, ScriptLog, script_names


def request(body: bytes, content_type: str, query: str = "") -> IncomingRequest:
    return IncomingRequest(
        request_id="r",
        method="POST",
        uri="hook",
        query_string=query,
        headers={"content-type": content_type, "X-Token": "t"},
        body=body,
        received_at=datetime(2026, 11, 29, tzinfo=UTC),
    )


def run(source: str, incoming: IncomingRequest, log: ScriptLog | None = None) -> object:
    log = log or ScriptLog()
    names = script_names(incoming, "m1", {"KEY": "v"}, log)
    return run_script(compile_script(source, "test"), names, timeout=2)


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
    log = ScriptLog()

    # When
    run('print("hello", 42)\nlog.set_message("first line\\nsecond")', request(b"", ""), log)

    # Then
    assert [(e.level, e.message) for e in log.finish()] == [("INFO", "hello 42")]
    assert log.summary == "first line"


def test_log_is_capped_and_scripts_cannot_reach_its_list():
    # Given a script logging past the cap, then one poking at the entries
    log = ScriptLog()
    run(f"for i in range({MAX_LOG_ENTRIES + 5}):\n    log.info(i)", request(b"", ""), log)

    # When
    with pytest.raises(ScriptError):
        run("getattr(log, '_entries').clear()", request(b"", ""), log)

    # Then
    entries = log.finish()
    assert len(entries) == MAX_LOG_ENTRIES + 1
    assert entries[-1].message == f"5 more log entries dropped (limit {MAX_LOG_ENTRIES})"
