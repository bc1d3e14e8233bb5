"""What providers and functions share: lookup by id or name, show, enable, delete, versions."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from webhooks_cli.client import AdminClient, segment
from webhooks_cli.context import Context
from webhooks_cli.errors import NOT_FOUND, USAGE, CliError
from webhooks_cli.parsing import Subparsers, add_command
from webhooks_cli.render import local_time, table

Item = dict[str, Any]
Key = Callable[[Item], str]


@dataclass(frozen=True)
class Kind:
    """A kind of configuration item, e.g. provider at `/providers`."""

    noun: str
    path: str
    keys: Sequence[Key]
    label: Key
    describe: Callable[[Item], str]

    def url(self, item: Item) -> str:
        return f"{self.path}/{segment(item['id'])}"

    def find(self, client: AdminClient, ref: str) -> Item:
        """The item whose id or name is `ref`."""
        return pick(client.get(self.path)["items"], ref, self)


def pick(items: list[Item], ref: str, kind: Kind) -> Item:
    """The item that `ref` names, trying the id first, then each of `kind.keys`."""
    for key in kind.keys:
        found = [item for item in items if key(item) == ref]
        if len(found) > 1:
            raise CliError(f"{kind.noun} {ref!r} is ambiguous; give its id", USAGE)
        if found:
            return found[0]
    raise CliError(f"no {kind.noun} {ref!r}", NOT_FOUND)


def given(**values: Any) -> Item:
    """The values that were given (not None): the body of a PATCH, a filter."""
    return {key: value for key, value in values.items() if value is not None}


def add_switches(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """`--inactive` and `--sync`; when editing, also `--active` and `--no-sync` to switch back."""
    active = parser.add_mutually_exclusive_group()
    active.add_argument("--inactive", dest="active", action="store_const", const=False)
    sync = parser.add_mutually_exclusive_group()
    sync.add_argument(
        "--sync",
        dest="sync",
        action="store_const",
        const=True,
        help="answer its webhooks synchronously, without the flex-sync-webhook header",
    )
    if editing:
        active.add_argument("--active", dest="active", action="store_const", const=True)
        sync.add_argument("--no-sync", dest="sync", action="store_const", const=False)


def register_common(group: Subparsers, kind: Kind) -> None:
    """`show`, `enable`, `disable` and `versions`, taking an id or a name."""
    noun = kind.noun
    add_command(group, "show", partial(show, kind), f"show one {noun}").add_argument("ref")
    for name, active in (("enable", True), ("disable", False)):
        summary = f"{name} a {noun}"
        add_command(group, name, partial(set_active, kind, active), summary).add_argument("ref")
    versions_parser = add_command(
        group, "versions", partial(versions, kind), f"script history of a {noun}, newest first"
    )
    versions_parser.add_argument("ref")
    versions_parser.add_argument("--version", type=int, help="print the script of this version")


def show(kind: Kind, ctx: Context) -> int:
    item = kind.find(ctx.client, ctx.args.ref)
    ctx.output(ctx.client.get(kind.url(item)), kind.describe)
    return 0


def set_active(kind: Kind, active: bool, ctx: Context) -> int:
    item = kind.find(ctx.client, ctx.args.ref)
    updated = ctx.client.patch(kind.url(item), {"active": active})
    verb = "enabled" if active else "disabled"
    ctx.output(updated, lambda data: f"{verb} {kind.noun} {kind.label(data)}")
    return 0


def delete(kind: Kind, ctx: Context, **query: bool | None) -> int:
    item = kind.find(ctx.client, ctx.args.ref)
    ctx.client.delete(kind.url(item), **query)
    ctx.output(None, lambda _: f"deleted {kind.noun} {kind.label(item)} ({item['id']})")
    return 0


def versions(kind: Kind, ctx: Context) -> int:
    item = kind.find(ctx.client, ctx.args.ref)
    history = ctx.client.get(f"{kind.url(item)}/versions")
    if ctx.args.version is None:
        ctx.output(history, _versions_table)
        return 0
    wanted = [v for v in history["items"] if v["version"] == ctx.args.version]
    if not wanted:
        raise CliError(
            f"{kind.noun} {kind.label(item)} has no version {ctx.args.version}", NOT_FOUND
        )
    ctx.output(wanted[0], lambda version: str(version["script"]).rstrip("\n"))
    return 0


def saved(ctx: Context, kind: Kind, verb: str, item: Item) -> int:
    """Report a created or edited item."""
    ctx.output(item, lambda data: f"{verb} {kind.noun} {kind.label(data)} ({data['id']})")
    return 0


def _versions_table(history: Item) -> str:
    rows = [[v["version"], local_time(v["saved_at"]), v["script"]] for v in history["items"]]
    return table(["VERSION", "SAVED", "SCRIPT"], rows, max_width=60)
