"""`webhooks-sam`: SAM's own commands on this project, in the local Lambda emulation image,
against the local stack's moto (`make serve`'s, or a throwaway one while the command runs)."""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from webhooks_local.child import serving
from webhooks_local.state import running_state, state_path
from webhooks_sam import sam
from webhooks_sam.image import docker_answers, ensure_image
from webhooks_sam.plan import plan
from webhooks_sam.stack import SamStack


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Ctrl-C or a termination stops SAM, the relay and a throwaway stack (also when started
    # with SIGINT ignored, as a background job is): SAM then inherits Ctrl-C's default.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "build":
            print(sam.build())
            return 0
        if args.command == "plan":
            print(plan(args.parameters))
            return 0
        if not docker_answers():
            raise sam.SamError("Docker does not answer (`docker info`); SAM's commands need it")
        if args.command == "image":
            print(ensure_image())
            return 0
        return _run(args)
    except (sam.SamError, OSError) as error:
        print(f"webhooks-sam: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webhooks-sam", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("image", help="build the Lambda emulation image, or reuse it; its name")
    commands.add_parser("build", help="sam build for this machine's architecture (.aws-sam/local)")
    what = commands.add_parser("plan", help="what make deploy creates, the parameters that matter")
    what.add_argument("parameters", nargs="?", default="", help="Name=value ... (PARAMETERS)")
    run = commands.add_parser("invoke", help="sam local invoke one function on one event file")
    run.add_argument("function_id", help="logical id in template.yaml, e.g. IngestFunction")
    run.add_argument("event_file", type=Path, help="e.g. events/webhook_github_push.json")
    commands.add_parser("start-api", help="sam local start-api until Ctrl-C")
    return parser


def _run(args: argparse.Namespace) -> int:
    image = ensure_image()
    sam.build()
    with (
        _stack_state() as state,
        tempfile.TemporaryDirectory() as workdir,
        SamStack(state, image, Path(workdir)) as stack,
    ):
        if args.command == "invoke":
            return _invoke(stack, args.function_id, args.event_file)
        return _serve(stack)


def _invoke(stack: SamStack, function_id: str, event_file: Path) -> int:
    answer, log = stack.invoke(function_id, json.loads(event_file.read_text(encoding="utf-8")))
    print(log, file=sys.stderr)
    print(json.dumps(answer, indent=2))
    return 1 if isinstance(answer, dict) and "errorType" in answer else 0


def _serve(stack: SamStack) -> int:
    with stack.start_api() as url:
        print(
            f"sam local start-api: {url}/webhooks/ (append the URI) and {url}/admin/v1 "
            "(no IAM authorizer under SAM: the admin function answers 401). Ctrl-C stops it.",
            flush=True,
        )
        while True:
            time.sleep(1)


@contextmanager
def _stack_state() -> Iterator[dict[str, Any]]:
    """The running local stack's state, or a throwaway stack's for the duration."""
    state = running_state(state_path())
    if state is not None:
        yield state
        return
    print("No local stack is running (make serve): starting a throwaway one.", file=sys.stderr)
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as directory, serving(Path(directory), token) as port:
        print(
            f"Its admin API: http://127.0.0.1:{port}/admin/v1 (Authorization: Bearer {token})",
            file=sys.stderr,
        )
        yield json.loads((Path(directory) / "stack.json").read_text(encoding="utf-8"))
