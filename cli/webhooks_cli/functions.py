"""`webhooks functions ...`: list, show, create, edit, delete, enable, disable, versions."""

from __future__ import annotations

import argparse
from operator import itemgetter

from webhooks_cli import resources
from webhooks_cli.context import Context
from webhooks_cli.inputs import text_source
from webhooks_cli.parsing import Subparsers, add_command, add_group
from webhooks_cli.providers import PROVIDERS
from webhooks_cli.render import fields, local_time, section, table
from webhooks_cli.resources import Item, Kind


def qualified_name(function: Item) -> str:
    """`Provider/Function name`, how functions are named on the command line."""
    return f"{function['provider']}/{function['name']}"


def describe(function: Item) -> str:
    """A function's fields and script."""
    summary = fields(
        [
            ("ID", function["id"]),
            ("Provider", f"{function['provider']} ({function['provider_id']})"),
            ("Name", function["name"]),
            ("URI", function["uri"]),
            ("Description", function.get("description")),
            ("Active", function["active"]),
            ("Sync", function.get("sync", False)),
            ("Version", function["version"]),
            ("Updated", local_time(function.get("updated_at"))),
        ]
    )
    script = section("Script", function["script"].rstrip("\n"))
    return f"{summary}\n\n{script}"


FUNCTIONS = Kind(
    noun="function",
    path="/functions",
    keys=(itemgetter("id"), qualified_name, itemgetter("name")),
    label=qualified_name,
    describe=describe,
)


def register(commands: Subparsers) -> None:
    group = add_group(commands, "functions", "functions: scripts run for a provider and a URI")
    list_parser = add_command(group, "list", list_functions, "list functions")
    list_parser.add_argument("--provider", help="only this provider's (id or name)")
    resources.register_common(group, FUNCTIONS)
    create_parser = add_command(group, "create", create, "create a function")
    create_parser.add_argument("--provider", required=True, help="id or name")
    _options(create_parser, editing=False)
    edit_parser = add_command(group, "edit", edit, "change a function (only the options given)")
    edit_parser.add_argument("ref", help="id, or Provider/Function name")
    _options(edit_parser, editing=True)
    delete_parser = add_command(group, "delete", delete, "delete a function")
    delete_parser.add_argument("ref", help="id, or Provider/Function name")


def _options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    parser.add_argument("--name", required=not editing)
    parser.add_argument("--uri", required=not editing, help="e.g. git/push")
    parser.add_argument(
        "--script", type=text_source, required=not editing, help="TEXT, or @file.py"
    )
    parser.add_argument("--description")
    resources.add_switches(parser, editing=editing)


def list_functions(ctx: Context) -> int:
    ctx.output(ctx.client.get("/functions", provider=ctx.args.provider), functions_table)
    return 0


def functions_table(page: Item) -> str:
    rows = [
        [
            f["provider"],
            f["name"],
            f["uri"],
            f["active"],
            f["version"],
            local_time(f.get("updated_at")),
            f["id"],
        ]
        for f in page["items"]
    ]
    return table(["PROVIDER", "NAME", "URI", "ACTIVE", "VERSION", "UPDATED", "ID"], rows)


def create(ctx: Context) -> int:
    provider = PROVIDERS.find(ctx.client, ctx.args.provider)
    created = ctx.client.post("/functions", {"provider_id": provider["id"], **_body(ctx.args)})
    return resources.saved(ctx, FUNCTIONS, "created", created)


def edit(ctx: Context) -> int:
    function = FUNCTIONS.find(ctx.client, ctx.args.ref)
    updated = ctx.client.patch(FUNCTIONS.url(function), _body(ctx.args))
    return resources.saved(ctx, FUNCTIONS, "updated", updated)


def delete(ctx: Context) -> int:
    return resources.delete(FUNCTIONS, ctx)


def _body(args: argparse.Namespace) -> Item:
    return resources.given(
        name=args.name,
        uri=args.uri,
        script=args.script,
        description=args.description,
        active=args.active,
        sync=args.sync,
    )
