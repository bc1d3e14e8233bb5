"""The `webhooks` command: operate an Incoming Webhooks stack through its admin API.

    webhooks [--url URL | --stack-name NAME [--region R]] [--json] COMMAND ...

Locally, `--url` (default `$WEBHOOKS_URL`, e.g. http://127.0.0.1:3000) names the stack and
`--token`, else the token of `--role` (`$WEBHOOKS_ROLE`) from the stack's state file, else
`$WEBHOOKS_ADMIN_TOKEN` is sent as a bearer token. With `--stack-name`, the URLs come from the
stack's CloudFormation outputs (in `--region`, else the default region) and admin requests
are signed with SigV4.

Exit codes: 0 success; 1 the API answered an error (or `webhooks test` did not succeed);
2 usage error; 3 not found (404); 4 conflict (409); 5 cannot connect or no URL configured;
6 unauthorized (401/403) or no credentials.
"""

from __future__ import annotations

import argparse
import os
import sys

from webhooks_cli import (
    config,
    dry_run,
    functions,
    messages,
    providers,
    send,
    smoke,
    stack,
    system,
)
from webhooks_cli.context import Context, Handler
from webhooks_cli.errors import BROKEN_PIPE, EXIT_CODES_HELP, USAGE, CliError
from webhooks_cli.parsing import add_global_options

ENVIRONMENT_HELP = """\
environment:
  WEBHOOKS_URL          base URL of the stack when --url is not given
  WEBHOOKS_ADMIN_TOKEN  bearer token of the local stack's admin API (an editor's)
  WEBHOOKS_ROLE         act locally as this role (viewer, operator, editor): its token
                        from the running stack's .local/stack.json (or WEBHOOKS_LOCAL_STATE)
  AWS_PROFILE, AWS_REGION and the other AWS variables, with --stack-name
"""
_MODULES = (system, providers, functions, messages, config, dry_run, send, stack, smoke)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webhooks",
        description="Operate an Incoming Webhooks stack: local (--url) or deployed (--stack-name).",
        epilog=f"{ENVIRONMENT_HELP}\n{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _MODULES:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error argparse has reported
        return stop.code if isinstance(stop.code, int) else USAGE
    handler: Handler = args.handler
    try:
        code = handler(Context(args))
        sys.stdout.flush()  # here, where a reader that left is caught, not at exit
    except BrokenPipeError:  # `webhooks ... | head`: the reader has what it wanted
        _drop_stdout()
        return BROKEN_PIPE
    except CliError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
