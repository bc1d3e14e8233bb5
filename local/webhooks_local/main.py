"""`webhooks-local`: the local stack (`serve`, the default) and `invoke` without Docker."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from webhooks_local.state import remove_state, state_path, write_state
from webhooks_local.workers import InvocationError
from webhooks_testbed import template as cfn

if TYPE_CHECKING:
    from webhooks_local.stack import LocalStack

DEFAULT_PORT = 3000
COMMANDS = ("serve", "invoke", "-h", "--help")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `webhooks-local` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in COMMANDS:
        arguments.insert(0, "serve")
    args = _parser().parse_args(arguments)
    config_path = Path(os.environ.get("WEBHOOKS_CONFIG") or cfn.EXAMPLE_CONFIG)
    if args.command == "invoke":
        return _invoke(args.function_id, args.event_file, config_path)
    code = _serve(config_path, quiet=args.quiet)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # everything is stopped; tearing moto's object graph down takes seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webhooks-local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the local stack in the foreground (env PORT, WEBHOOKS_CONFIG, "
        "CONSOLE_PORT, WEBHOOKS_ADMIN_TOKEN, WEBHOOKS_HTTP_ALLOWED_HOSTS, WEBHOOKS_ACTION_*, "
        "LOCAL_WORKERS, LOCAL_RETRY_DELAY_SECONDS, WEBHOOKS_CALL_LOG)",
    )
    serve.add_argument("--quiet", action="store_true", help="no access log lines")
    run = commands.add_parser("invoke", help="run one function's handler on one event file")
    run.add_argument("function_id", help="logical id in template.yaml, e.g. IngestFunction")
    run.add_argument("event_file", type=Path, help="e.g. events/webhook_github_push.json")
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT and SIGTERM stop the stack once; further signals are ignored while it stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _serve(config_path: Path, *, quiet: bool) -> int:
    from webhooks_local.stack import LocalStack  # noqa: PLC0415  # workers re-import this module

    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    # The console's own origin: CONSOLE_PORT, else the next port (any free one beside PORT=0).
    console_port = int(os.environ.get("CONSOLE_PORT") or (port + 1 if port else 0))
    token = os.environ.get("WEBHOOKS_ADMIN_TOKEN") or ""
    generated, token = not token, token or secrets.token_urlsafe(24)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    path = state_path()
    print("Starting the local stack (moto, workers, gateway)...", flush=True)
    try:
        parameters = cfn.local_parameters(os.environ)
        log = os.environ.get("WEBHOOKS_CALL_LOG")  # a directory: one file per run
        with LocalStack(
            port=port,
            admin_token=token,
            quiet=quiet,
            parameters=parameters,
            call_log=Path(log) / f"{os.getpid()}.json" if log else None,
            console_port=console_port,
            state_path=path,
        ) as stack:
            print(f"Applied {config_path}:\n{_plan_summary(stack.apply_config(config_path))}")
            stack.serve()
            write_state(path, stack.state(os.getpid()))
            banner = _banner(stack, token, generated)
            print(banner.replace(_STOP, _token_lines(stack.tokens, path) + _STOP), flush=True)
            while True:  # not signal.pause(): a signal taken by another thread would not wake it
                time.sleep(0.25)
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    except (InvocationError, OSError) as error:
        print(f"webhooks-local: the local stack could not start:\n{error}", file=sys.stderr)
        return 1
    finally:
        remove_state(path, os.getpid())
    return 0


def _plan_summary(plan: str) -> str:
    """One line per change of the plan that `apply_file` returned (as JSON)."""
    changes = json.loads(plan).get("changes", [])
    lines = [
        f"  {change['action']} {change['kind']} {change['name']!r}"
        + (f" ({', '.join(change['fields'])})" if change.get("fields") else "")
        for change in changes
    ]
    return "\n".join(lines) or "  no changes"


def _banner(stack: LocalStack, token: str, generated: bool) -> str:
    base = f"http://127.0.0.1:{stack.port}"
    origin = "generated" if generated else "from WEBHOOKS_ADMIN_TOKEN"
    return f"""
Local stack ready (AWS services: moto at {stack.endpoint})
  Webhooks:     {base}/webhooks/   (append the URI, e.g. git/push)
  Admin API:    {base}/admin/v1   (Authorization: Bearer <token>)
  Admin token:  {token}   ({origin})
  Console:      {stack.console_url}   (its own origin; sign in as viewer, operator or editor)

  export WEBHOOKS_URL={base} WEBHOOKS_ADMIN_TOKEN={token}
  curl -i -X POST {base}/webhooks/git/push -H 'content-type: application/json' -d '{{"ref": "x"}}'
  curl -s {base}/admin/v1/messages -H 'Authorization: Bearer {token}'

Its messages live in moto's memory: stopping the stack forgets them (docs/local-stack.md).
Ctrl-C stops it.
"""


_STOP = "Ctrl-C stops it."


def _token_lines(tokens: dict[str, str], path: Path) -> str:
    """A line per role: its token (a JWT of this stack's key, `webhooks --role ROLE`), also
    in the state file; the admin token is an editor's."""
    lines = [f"  {role.capitalize() + ':':14}{token}" for role, token in tokens.items()]
    header = f'Tokens per role (webhooks --role ROLE; "tokens" in {path}):'
    return "\n".join([header, *lines, "", ""])


def _invoke(function_id: str, event_file: Path, config_path: Path) -> int:
    from webhooks_local.invoke import invoke  # noqa: PLC0415  # workers re-import this module

    with _result_stream() as result:
        try:
            answer = invoke(function_id, event_file, config_path)
        except Exception as error:
            traceback.print_exc()
            failure = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            print(json.dumps(failure, indent=2), file=result)
            return 1
        print(json.dumps(answer, indent=2), file=result)
    return 0


@contextmanager
def _result_stream() -> Iterator[TextIO]:
    """Standard output for the result only: logs (of this process and workers) go to stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with os.fdopen(os.dup(saved), "w", encoding="utf-8") as stream:
            yield stream
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
