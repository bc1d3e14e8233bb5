"""Detailed views of one message, and of a `POST /test` result: evaluations and executions."""

from __future__ import annotations

import json
from typing import Any

from webhooks_cli.render import (
    duration,
    fields,
    indent,
    local_time,
    plural,
    section,
    table,
    to_json,
)

Item = dict[str, Any]
_MATCH_MARKS = {True: "✓", False: "✗"}


def message_detail(message: Item) -> str:
    """Everything about a message: request, body, submissions, evaluations, executions."""
    request = message["uri"] + (f"?{message['query_string']}" if message["query_string"] else "")
    summary = fields(
        [
            ("ID", message["id"]),
            ("Status", message["status"]),
            ("Received", local_time(message["received_at"])),
            ("Request", f"{message['method']} {request}"),
            ("Source IP", message["source_ip"]),
            ("Provider", message["provider"]),
            ("Message", message["message"]),
            ("Reason", message.get("reason")),
            ("Functions", ", ".join(message["functions"])),
        ]
    )
    return "\n\n".join(
        [
            summary,
            section("Headers", _headers(message["headers"])),
            section(f"Body ({_body_note(message)})", _body(message)),
            section("Submissions", _submissions(message["submissions"])),
            section("Evaluations (latest submission)", evaluations(message["evaluations"])),
            section("Executions", executions(message["executions"])),
        ]
    )


def test_result(result: Item) -> str:
    """What `POST /test` found: the provider that matched, the functions run, the actions."""
    pairs: list[tuple[str, object]] = [
        ("Status", result["status"]),
        ("Provider", result.get("provider")),
        ("Message", result.get("message")),
        ("Reason", result.get("reason")),
    ]
    if left_out := result.get("secrets_left_out"):
        pairs.append(("Left out", ", ".join(left_out) + " (secrets without a value: empty here)"))
    summary = fields(pairs)
    actions = table(
        ["FUNCTION", "CALL", "OUTCOME", "STATUS", "DETAIL"],
        [
            [
                a["function"],
                f"{a['kind']} {a['call']}",
                a["outcome"],
                a.get("status"),
                a.get("detail"),
            ]
            for a in result["actions"]
        ],
    )
    parts = [
        summary,
        section("Providers evaluated", evaluations(result["evaluations"])),
        section("Functions", executions(result["executions"])),
        section("Actions (checked, not performed)", actions),
    ]
    if result.get("response"):
        parts.append(section("Answer to a waiting sender", json.dumps(result["response"])))
    return "\n\n".join(parts)


def evaluations(items: list[Item]) -> str:
    """One line per match script evaluated, its error and logs below it."""
    return "\n".join(_evaluation(item) for item in items)


def executions(items: list[Item]) -> str:
    """One line per function run, its error and logs below it."""
    return "\n".join(_execution(item) for item in items)


def _evaluation(item: Item) -> str:
    outcome = "matched" if item["matched"] else "no match"
    mark = "!" if item.get("error") else _MATCH_MARKS[bool(item["matched"])]
    head = f"{mark} {item['provider']}  {outcome}  {duration(item.get('duration_ms'))}"
    return _with_details(head, item)


def _execution(item: Item) -> str:
    parts = [item["status"], item["function"]]
    if "submission" in item:
        parts.append(f"#{item['submission']}")
    parts.append(duration(item.get("duration_ms")))
    if item.get("script_version") is not None:
        parts.append(f"script v{item['script_version']}")
    return _with_details("  ".join(str(part) for part in parts), item)


def _with_details(head: str, item: Item) -> str:
    lines = [head]
    if item.get("error"):
        lines.append(indent(f"error: {_error(item)}", "    "))
    lines.extend(indent(_log(entry), "    ") for entry in item.get("logs", []))
    return "\n".join(lines)


def _error(item: Item) -> str:
    """The error, with its line unless the message already names it."""
    error, line = str(item["error"]), item.get("error_line")
    return f"{error} (line {line})" if line and f"line {line}" not in error else error


def _log(entry: Item) -> str:
    return f"{local_time(entry.get('at'), '%H:%M:%S')} {entry['level']:<7} {entry['message']}"


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def _body_note(message: Item) -> str:
    size = plural(message["body_size"], "byte")
    return f"base64, {size}" if message["body_encoding"] == "base64" else size


def _body(message: Item) -> str:
    """JSON pretty-printed, text as is, base64 as received from the API."""
    if message.get("body_omitted"):
        return f"too large to show here: webhooks messages body {message['id']} > FILE"
    body: str = message["body"]
    if message["body_encoding"] == "base64":
        return body
    try:
        return to_json(json.loads(body))
    except ValueError:
        return body


def _submissions(items: list[Item]) -> str:
    rows = [
        [
            item["submission"],
            item["mode"],
            item["status"],
            local_time(item["submitted_at"]),
            local_time(item.get("finished_at")),
            item["attempts"],
        ]
        for item in items
    ]
    return table(["#", "MODE", "STATUS", "SUBMITTED", "FINISHED", "ATTEMPTS"], rows)
