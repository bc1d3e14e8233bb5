"""argparse plumbing shared by the command modules: global options, command registration."""

from __future__ import annotations

import argparse

from webhooks_cli.context import Handler

type Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command takes; `suppress` keeps a command's copy from resetting them."""
    group = parser.add_argument_group("global options")
    default = argparse.SUPPRESS if suppress else None
    group.add_argument(
        "--url", default=default, help="base URL of the stack (default: $WEBHOOKS_URL)"
    )
    group.add_argument(
        "--stack-name",
        default=default,
        help="a deployed stack: URLs from its outputs, requests signed with SigV4",
    )
    group.add_argument(
        "--region", default=default, help="AWS region of --stack-name (default: your default)"
    )
    group.add_argument("--profile", default=default, help="AWS profile for --stack-name")
    group.add_argument(
        "--role",
        default=default,
        choices=("viewer", "operator", "editor"),
        help="locally: act with the stack's token for this role (default: $WEBHOOKS_ROLE)",
    )
    group.add_argument(
        "--token",
        default=default,
        help="a person's JWT: locally, or with --stack-name through the people's API",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print the API's JSON instead of tables",
    )


_COMMON = argparse.ArgumentParser(add_help=False)
add_global_options(_COMMON, suppress=True)


def add_command(
    commands: Subparsers, name: str, handler: Handler, summary: str
) -> argparse.ArgumentParser:
    """A leaf command that runs `handler`; it also accepts the global options."""
    parser = commands.add_parser(name, help=summary, description=summary, parents=[_COMMON])
    parser.set_defaults(handler=handler)
    return parser


def add_group(
    commands: Subparsers, name: str, summary: str, default: Handler | None = None
) -> Subparsers:
    """A command with subcommands, e.g. `providers list`; with `default`, the command alone
    runs that handler (and takes the global options), e.g. `dead-letters`."""
    parents = [] if default is None else [_COMMON]
    parser = commands.add_parser(name, help=summary, description=summary, parents=parents)
    if default is not None:
        parser.set_defaults(handler=default)
    return parser.add_subparsers(
        dest=f"{name}_command", required=default is None, metavar="COMMAND"
    )
