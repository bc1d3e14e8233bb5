"""`webhooks health`, `webhooks dead-letters [list | show | redrive | discard]`, `webhooks redrive`."""

from __future__ import annotations

import json
import sys
from typing import Any

from webhooks_cli.client import segment
from webhooks_cli.context import Context
from webhooks_cli.parsing import Subparsers, add_command, add_group
from webhooks_cli.render import fields, local_time, plural, section, table, to_json
from webhooks_cli.resources import Item

RECORDS_MAX = 100
DEAD_LETTERS = "/dead-letters/messages"


def register(commands: Subparsers) -> None:
    add_command(commands, "health", health, "check that the admin API answers")
    add_command(commands, "whoami", whoami, "who the admin API takes you for, and your role")
    group = add_group(
        commands,
        "dead-letters",
        "the dead-letter queue: alone, count its messages; or list, show, redrive or discard"
        " its records one by one",
        default=dead_letters,
    )
    list_parser = add_command(group, "list", list_records, "dead-letter records and their messages")
    list_parser.add_argument("--limit", type=int, help=f"at most this many, 1..{RECORDS_MAX}")
    for name, handler, summary in (
        ("show", show_record, "one record: the submission it names, its body"),
        ("redrive", redrive_record, "send one record back to the queue"),
        ("discard", discard_record, "delete one record (its message stays stored)"),
    ):
        add_command(group, name, handler, summary).add_argument("id", metavar="ID")
    add_command(commands, "redrive", redrive, "move dead letters back to the queue")


def health(ctx: Context) -> int:
    answer = ctx.client.get("/health")
    ctx.output(answer, lambda data: f"{data['status']} ({ctx.client.admin_url}){_sandbox(data)}")
    return 0


def whoami(ctx: Context) -> int:
    answer = ctx.client.get("/whoami")
    ctx.output(answer, _identity)
    return 0


def _identity(data: dict[str, Any]) -> str:
    email = f" <{data['email']}>" if data.get("email") else ""
    return f"{data['principal']}{email} ({data['kind']}): {data['role'] or 'no role'}"


def _sandbox(health: dict[str, Any]) -> str:
    """The script processes' protections, one line (nothing for an API that does not say)."""
    sandbox = health.get("sandbox")
    if not sandbox:
        return ""
    if sandbox.get("error"):
        return f"\nscripts cannot run: {sandbox['error']}"
    held = sorted(name for name, ok in sandbox["protections"].items() if ok)
    lacking = sorted(name for name, ok in sandbox["protections"].items() if not ok)
    line = f"\nscript processes: {', '.join(held)}"
    if lacking:
        required = set(sandbox["missing"])
        line += "; without " + ", ".join(f"{n} (required)" if n in required else n for n in lacking)
    return line


def dead_letters(ctx: Context) -> int:
    answer = ctx.client.get("/dead-letters")
    count = answer["approximate_count"]
    ctx.output(answer, lambda _: f"{plural(count, 'message')} in the dead-letter queue (approx.)")
    return 0


def list_records(ctx: Context) -> int:
    page = ctx.client.get(DEAD_LETTERS, limit=ctx.args.limit)
    ctx.output(page, records_table)
    shown, count = len(page["items"]), page["approximate_count"]
    if count > shown and not ctx.json:
        print(
            f"{shown} of about {count} records shown (--limit up to {RECORDS_MAX})", file=sys.stderr
        )
    return 0


def records_table(page: Item) -> str:
    rows = [
        [
            local_time(record["sent_at"]),
            record["record_id"],
            record["message_id"],
            record["submission"],
            record["receive_count"],
            *_stored(record.get("message") or {}),
        ]
        for record in page["items"]
    ]
    headers = ["SENT", "RECORD", "MESSAGE", "SUB", "RECEIVES", "STATUS", "URI", "REASON"]
    return table(headers, rows)


def _stored(message: Item) -> list[object]:
    return [message.get("status"), message.get("uri"), message.get("reason")]


def show_record(ctx: Context) -> int:
    ctx.output(ctx.client.get(f"{DEAD_LETTERS}/{segment(ctx.args.id)}"), record_detail)
    return 0


def record_detail(record: Item) -> str:
    """The record, the message it names as stored, and the record's body."""
    summary = fields(
        [
            ("Record", record["record_id"]),
            ("Message", record["message_id"]),
            ("Submission", record["submission"]),
            ("Sent", local_time(record["sent_at"])),
            ("Receives", record["receive_count"]),
        ]
    )
    message = record.get("message")
    stored = "not stored" if message is None else _message_fields(message)
    return "\n\n".join([summary, section("Stored message", stored), section("Body", _body(record))])


def _message_fields(message: Item) -> str:
    return fields(
        [
            ("Status", message["status"]),
            ("URI", message["uri"]),
            ("Provider", message["provider"]),
            ("Received", local_time(message["received_at"])),
            ("Submissions", message["submission_count"]),
            ("Reason", message["reason"]),
        ]
    )


def _body(record: Item) -> str:
    try:
        return to_json(json.loads(record["body"]))
    except ValueError:
        return str(record["body"])


def redrive_record(ctx: Context) -> int:
    record = ctx.client.post(f"{DEAD_LETTERS}/{segment(ctx.args.id)}/redrive")
    ctx.output(record, _redriven_record)
    return 0


def _redriven_record(record: Item) -> str:
    named = f"message {record['message_id']}, submission {record['submission']}"
    return f"sent record {record['record_id']} back to the queue ({named})"


def discard_record(ctx: Context) -> int:
    ctx.client.delete(f"{DEAD_LETTERS}/{segment(ctx.args.id)}")
    ctx.output(None, lambda _: f"discarded record {ctx.args.id}; its message stays stored")
    return 0


def redrive(ctx: Context) -> int:
    ctx.output(ctx.client.post("/dead-letters/redrive"), _redriven)
    return 0


def _redriven(answer: Item) -> str:
    if answer.get("moved") is not None:
        return f"moved {plural(answer['moved'], 'message')} back to the queue ({answer['method']})"
    return f"redrive started ({answer['method']}, task {answer.get('task_handle')})"
