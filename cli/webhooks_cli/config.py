"""`webhooks export` and `webhooks apply`: the configuration document (docs/guide/configuration.md)."""

from __future__ import annotations

import sys

from webhooks_cli.context import Context
from webhooks_cli.inputs import file_text
from webhooks_cli.parsing import Subparsers, add_command
from webhooks_cli.render import to_json
from webhooks_cli.resources import Item

YAML_TYPE = "application/yaml"
_MARKS = {"create": "+", "update": "~", "delete": "-", "reorder": "↕"}


def register(commands: Subparsers) -> None:
    export_parser = add_command(commands, "export", export, "print the configuration (no secrets)")
    export_parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    apply_parser = add_command(commands, "apply", apply, "make the configuration equal a file")
    apply_parser.add_argument(
        "-f",
        "--file",
        dest="document",
        type=file_text,
        required=True,
        help="YAML or JSON, - for stdin",
    )
    apply_parser.add_argument(
        "--dry-run", action="store_true", help="show the plan, change nothing"
    )
    apply_parser.add_argument(
        "--prune", action="store_true", help="delete providers and functions not in the file"
    )


def export(ctx: Context) -> int:
    if ctx.json or ctx.args.format == "json":
        print(to_json(ctx.client.get("/config", format="json")))
    else:
        text = str(ctx.client.get("/config", format="yaml"))
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def apply(ctx: Context) -> int:
    query = {"dry_run": ctx.args.dry_run or None, "prune": ctx.args.prune or None}
    plan = ctx.client.request("PUT", "/config", query, ctx.args.document, YAML_TYPE)
    ctx.output(plan, lambda data: plan_text(data, dry_run=ctx.args.dry_run))
    return 0


def plan_text(plan: Item, *, dry_run: bool) -> str:
    """One line per change, `+ create provider GitHub`; `no changes` when there are none."""
    lines = [_change(change) for change in plan["changes"]] or ["no changes"]
    if dry_run:
        lines.append("(dry run: nothing changed)")
    return "\n".join(lines)


def _change(change: Item) -> str:
    name = f"{change['provider']}/{change['name']}" if change.get("provider") else change["name"]
    changed = f" ({', '.join(change['fields'])})" if change.get("fields") else ""
    action = change["action"]
    return f"{_MARKS.get(action, '?')} {action} {change['kind']} {name}{changed}"
