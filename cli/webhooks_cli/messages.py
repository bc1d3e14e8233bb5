"""`webhooks messages ...`: list (filtered, paged), show, resubmit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from webhooks_cli.client import AdminClient, segment
from webhooks_cli.context import Context
from webhooks_cli.details import message_detail
from webhooks_cli.errors import USAGE, CliError
from webhooks_cli.parsing import Subparsers, add_command, add_group
from webhooks_cli.render import local_time, plural, table
from webhooks_cli.resources import Item, given

# What a message can be: the API filters by each (SUPERSEDED is a submission's only).
STATUSES = ("RECEIVED", "PROCESSING", "SUCCESS", "FAILED", "UNMATCHED", "DEAD", "DUPLICATE")
PAGE_MAX = 200
PAGE_DEFAULT = 25
# A filtered page may hold fewer messages than asked for (each page examines a bounded number
# of messages): a listing reads up to this many pages to fill one.
FILL_PAGES = 10


def register(commands: Subparsers) -> None:
    group = add_group(commands, "messages", "received messages: browse and resubmit")
    list_parser = add_command(group, "list", list_messages, "list messages, newest first")
    _filter_options(list_parser)
    list_parser.add_argument("--limit", type=int, help=f"per page, 1..{PAGE_MAX} (default 25)")
    list_parser.add_argument("--cursor", help="continue where a previous page ended")
    list_parser.add_argument("--all", action="store_true", help="follow the cursor to the end")
    show_parser = add_command(group, "show", show, "one message with its executions and logs")
    show_parser.add_argument("id")
    body_parser = add_command(group, "body", body, "a message's body, byte for byte")
    body_parser.add_argument("id")
    body_parser.add_argument("-o", "--output", help="write it to this file (default: stdout)")
    resubmit_parser = add_command(
        group, "resubmit", resubmit, "process messages again, by id or by filter"
    )
    resubmit_parser.add_argument("ids", nargs="*", metavar="ID")
    _filter_options(resubmit_parser)
    resubmit_parser.add_argument("--limit", type=int, help="at most this many (default 100)")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", type=str.upper, choices=STATUSES)
    parser.add_argument("--provider", help="provider name")
    parser.add_argument("--function", help="function name")
    parser.add_argument("--uri", help="e.g. git/push")
    parser.add_argument("--since", help="ISO 8601, or that long ago: 90m, 1h, 7d")
    parser.add_argument("--until", help="ISO 8601, or that long ago: 90m, 1h, 7d")


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return given(
        status=args.status,
        provider=args.provider,
        function=args.function,
        uri=args.uri,
        since=args.since,
        until=args.until,
    )


def list_messages(ctx: Context) -> int:
    args = ctx.args
    query = {**_filters(args), "cursor": args.cursor}
    if args.all:
        pages = _pages(ctx.client, query | {"limit": args.limit or PAGE_MAX})
        page = {"items": [item for each in pages for item in each["items"]], "next_cursor": None}
    else:
        page = _filled(ctx.client, query, args.limit)
    ctx.output(page, messages_table)
    if page["next_cursor"] and not ctx.json:
        print(f"more: --cursor {page['next_cursor']}, or --all", file=sys.stderr)
    return 0


def _filled(client: AdminClient, query: dict[str, Any], limit: int | None) -> Item:
    """One page of `limit` messages, read from as many pages (up to FILL_PAGES) as it takes,
    each asked for what is still missing; its cursor continues after the last one read."""
    wanted = limit or PAGE_DEFAULT
    items: list[Item] = []
    page: Item = {"next_cursor": query["cursor"]}
    for number in range(FILL_PAGES):
        if number and not page["next_cursor"]:
            break
        ask = {**query, "limit": limit if number == 0 else wanted - len(items)}
        page = client.get("/messages", **ask | {"cursor": page["next_cursor"]})
        items += page["items"]
        if len(items) >= wanted:
            break
    return {"items": items, "next_cursor": page["next_cursor"]}


def _pages(client: AdminClient, query: dict[str, Any]) -> Iterator[Item]:
    """Pages of `GET /messages`, following `next_cursor`."""
    while True:
        page: Item = client.get("/messages", **query)
        yield page
        if not page["next_cursor"]:
            return
        query = {**query, "cursor": page["next_cursor"]}


def messages_table(page: Item) -> str:
    rows = [
        [
            local_time(m["received_at"]),
            m["id"],
            m["status"],
            m["provider"],
            m["uri"],
            m["message"],
            m.get("reason"),
        ]
        for m in page["items"]
    ]
    return table(["RECEIVED", "ID", "STATUS", "PROVIDER", "URI", "MESSAGE", "REASON"], rows)


def show(ctx: Context) -> int:
    ctx.output(ctx.client.get(f"/messages/{segment(ctx.args.id)}"), message_detail)
    return 0


def body(ctx: Context) -> int:
    data = ctx.client.download(f"/messages/{segment(ctx.args.id)}/body")
    if ctx.args.output:
        with open(ctx.args.output, "wb") as stream:
            stream.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def resubmit(ctx: Context) -> int:
    filters = _filters(ctx.args)
    if bool(ctx.args.ids) == bool(filters):
        raise CliError("give message IDs, or a filter (--status, --since...), not both", USAGE)
    if ctx.args.ids:
        body: Item = {"ids": ctx.args.ids}
    else:
        body = given(filter=filters, limit=ctx.args.limit)
    answer = ctx.client.post("/messages/resubmit", body)
    done: list[str] = list(answer.get("message_ids", []))
    while answer.get("remaining") and not answer.get("error") and answer.get("message_ids"):
        answer = ctx.client.post("/messages/resubmit", {"ids": answer["remaining"]})
        done += answer.get("message_ids", [])
    merged = answer | {"count": len(done), "message_ids": done}
    ctx.output(merged, _resubmitted)
    return 1 if merged.get("remaining") else 0


def _resubmitted(answer: Item) -> str:
    """The messages resubmitted; those not reached (and why) after them."""
    lines = [f"resubmitted {plural(answer['count'], 'message')}", *answer.get("message_ids", [])]
    remaining = answer.get("remaining") or []
    if remaining:
        why = f": {answer['error']}" if answer.get("error") else ""
        lines += [f"not resubmitted {plural(len(remaining), 'message')}{why}", *remaining]
    return "\n".join(lines)
