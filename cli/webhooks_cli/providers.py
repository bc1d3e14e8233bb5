"""`webhooks providers ...`: list, show, create, edit, delete, order, enable, disable, versions."""

from __future__ import annotations

import argparse
from operator import itemgetter
from typing import Any

from webhooks_cli import resources
from webhooks_cli.context import Context
from webhooks_cli.inputs import key_value, text_source
from webhooks_cli.parsing import Subparsers, add_command, add_group
from webhooks_cli.render import fields, local_time, section, table
from webhooks_cli.resources import Item, Kind


def describe(provider: Item) -> str:
    """A provider's fields, properties (secrets masked) and match script."""
    summary = fields(
        [
            ("ID", provider["id"]),
            ("Name", provider["name"]),
            ("Description", provider.get("description")),
            ("Active", provider["active"]),
            ("Sync", provider.get("sync", False)),
            ("Position", provider["position"]),
            ("Functions", provider.get("function_count")),
            ("Version", provider["version"]),
            ("Updated", local_time(provider.get("updated_at"))),
        ]
    )
    properties = table(
        ["NAME", "VALUE", "SECRET"],
        [
            [name, p.get("value"), p.get("secret", False)]
            for name, p in provider["properties"].items()
        ],
    )
    return "\n\n".join(
        [
            summary,
            section("Properties", properties),
            section("Match script", provider["match_script"].rstrip("\n")),
        ]
    )


PROVIDERS = Kind(
    noun="provider",
    path="/providers",
    keys=(itemgetter("id"), itemgetter("name")),
    label=itemgetter("name"),
    describe=describe,
)


def register(commands: Subparsers) -> None:
    group = add_group(commands, "providers", "providers and their match scripts")
    add_command(group, "list", list_providers, "list providers in evaluation order")
    resources.register_common(group, PROVIDERS)
    _options(add_command(group, "create", create, "create a provider"), editing=False)
    edit_parser = add_command(group, "edit", edit, "change a provider (only the options given)")
    edit_parser.add_argument("ref", help="id or name")
    _options(edit_parser, editing=True)
    delete_parser = add_command(group, "delete", delete, "delete a provider")
    delete_parser.add_argument("ref", help="id or name")
    delete_parser.add_argument("--cascade", action="store_true", help="delete its functions too")
    order_parser = add_command(group, "order", order, "set the evaluation order")
    order_parser.add_argument(
        "refs", nargs="+", metavar="NAME_OR_ID", help="first providers; the rest keep their order"
    )


def _options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    parser.add_argument("--name", required=not editing)
    parser.add_argument(
        "--match-script", type=text_source, required=not editing, help="TEXT, or @file.py"
    )
    parser.add_argument("--description")
    parser.add_argument(
        "--position", type=int, help="place in the evaluation order, 0 first (default: last)"
    )
    parser.add_argument(
        "--property", type=key_value, action="append", default=[], metavar="KEY=VALUE"
    )
    parser.add_argument(
        "--secret", type=key_value, action="append", default=[], metavar="KEY=VALUE"
    )
    resources.add_switches(parser, editing=editing)
    if editing:
        parser.add_argument("--remove-property", action="append", default=[], metavar="KEY")
    else:
        parser.set_defaults(remove_property=[])


def list_providers(ctx: Context) -> int:
    ctx.output(ctx.client.get("/providers"), providers_table)
    return 0


def providers_table(page: Item) -> str:
    rows = [
        [
            p["position"],
            p["name"],
            p["active"],
            p.get("function_count"),
            p["version"],
            local_time(p.get("updated_at")),
            p["id"],
            p.get("description"),
        ]
        for p in page["items"]
    ]
    headers = ["POS", "NAME", "ACTIVE", "FUNCTIONS", "VERSION", "UPDATED", "ID", "DESCRIPTION"]
    return table(headers, rows)


def create(ctx: Context) -> int:
    created = ctx.client.post("/providers", _body(ctx.args, {}))
    return resources.saved(ctx, PROVIDERS, "created", created)


def edit(ctx: Context) -> int:
    provider = PROVIDERS.find(ctx.client, ctx.args.ref)
    updated = ctx.client.patch(PROVIDERS.url(provider), _body(ctx.args, provider["properties"]))
    return resources.saved(ctx, PROVIDERS, "updated", updated)


def delete(ctx: Context) -> int:
    return resources.delete(PROVIDERS, ctx, cascade=ctx.args.cascade or None)


def order(ctx: Context) -> int:
    providers = ctx.client.get("/providers")["items"]
    first = [resources.pick(providers, ref, PROVIDERS)["id"] for ref in ctx.args.refs]
    ids = list(dict.fromkeys([*first, *(p["id"] for p in providers)]))
    ctx.output(ctx.client.put("/providers/order", {"ids": ids}), providers_table)
    return 0


def _body(args: argparse.Namespace, current: dict[str, Any]) -> Item:
    """The fields given on the command line; properties merged into the current ones."""
    return resources.given(
        name=args.name,
        description=args.description,
        match_script=args.match_script,
        position=args.position,
        active=args.active,
        sync=args.sync,
        properties=_properties(args, current),
    )


def _properties(args: argparse.Namespace, current: dict[str, Any]) -> Item | None:
    """Current properties with the given ones replaced; stored secrets are kept, unsent."""
    if not (args.property or args.secret or args.remove_property):
        return None
    merged: Item = {name: _kept(prop) for name, prop in current.items()}
    merged.update({name: {"value": value, "secret": False} for name, value in args.property})
    merged.update({name: {"value": value, "secret": True} for name, value in args.secret})
    for name in args.remove_property:
        merged.pop(name, None)
    return merged


def _kept(prop: Item) -> Item:
    return {"secret": True} if prop.get("secret") else {"value": prop["value"], "secret": False}
