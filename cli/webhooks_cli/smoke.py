"""`webhooks smoke`: one webhook of each mode through a running stack, and back through its
admin API (make smoke).

It changes no configuration: the webhooks go to `smoke/<run>`, which no provider should
match, so each ends UNMATCHED (SUCCESS, should one match it); the dry run tests a draft. One
line per step, with its timing; the first step that fails ends the run (exit code 1).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webhooks_cli import transport
from webhooks_cli.context import Context
from webhooks_cli.errors import CliError
from webhooks_cli.parsing import Subparsers, add_command

FINAL = ("SUCCESS", "UNMATCHED")  # where a smoke webhook may end; any other state fails
PENDING = ("RECEIVED", "PROCESSING")
POLL_SECONDS = 0.5
# A draft with one provider matching anything and one function: POST /test runs its scripts.
DRAFT = {
    "providers": [
        {
            "name": "Smoke",
            "match_script": "return True",
            "functions": [
                {"name": "Smoke - log", "uri": "smoke/dry-run", "script": "log.info('smoke')"}
            ],
        }
    ]
}


class SmokeFailure(Exception):
    """A step did not end as it should; the message says what was seen."""


def register(commands: Subparsers) -> None:
    parser = add_command(commands, "smoke", smoke, "send one webhook of each mode and follow them")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a message may take (default 60)"
    )
    parser.epilog = "exit code 0 when every step passed, 1 at the first that did not"


@dataclass
class Run:
    ctx: Context
    uri: str
    timeout: float
    ids: dict[str, str]  # mode -> message id


def smoke(ctx: Context) -> int:
    run = Run(ctx, f"smoke/{uuid.uuid4().hex[:12]}", ctx.args.timeout, {})
    steps: list[tuple[str, Callable[[Run], str]]] = [
        ("health", _health),
        ("async webhook", _send_async),
        ("async final state", _async_final),
        ("sync webhook", _send_sync),
        ("sync final state", _sync_final),
        ("resubmit", _resubmit),
        ("dry run", _dry_run),
    ]
    for name, step in steps:
        started = time.monotonic()
        try:
            detail = step(run)
        except (SmokeFailure, CliError) as failure:
            print(_line("FAIL", name, started, _message(failure)), flush=True)
            return 1
        print(_line("ok", name, started, detail), flush=True)
    return 0


def _message(failure: Exception) -> str:
    return failure.message if isinstance(failure, CliError) else str(failure)


def _line(outcome: str, name: str, started: float, detail: str) -> str:
    return f"{outcome:<4} {name:<18} {time.monotonic() - started:6.2f}s  {detail}"


def _health(run: Run) -> str:
    health = run.ctx.client.get("/health")
    return f"admin API at {run.ctx.endpoints.admin_url}: {health.get('status', 'answered')}"


def _post(run: Run, headers: dict[str, str], expected: tuple[int, ...]) -> dict[str, Any]:
    """Send the smoke webhook; its answer must be one of `expected` and name the message."""
    url = run.ctx.endpoints.webhook_url + run.uri
    body = json.dumps({"smoke": run.uri}).encode()
    reply = transport.call("POST", url, {"Content-Type": "application/json"} | headers, body)
    answer = reply.parsed()
    if reply.status not in expected or not isinstance(answer, dict) or "message_id" not in answer:
        raise SmokeFailure(f"HTTP {reply.status}: {reply.text[:200]}")
    return answer | {"status_code": reply.status}


def _send_async(run: Run) -> str:
    answer = _post(run, {}, expected=(202,))
    run.ids["async"] = answer["message_id"]
    return f"HTTP {answer['status_code']} {run.uri} -> {answer['message_id']}"


def _send_sync(run: Run) -> str:
    # a synchronous webhook that no function takes is answered 404 (200 should one take it)
    answer = _post(run, {"flex-sync-webhook": "true"}, expected=(200, 404))
    run.ids["sync"] = answer["message_id"]
    return f"HTTP {answer['status_code']} {run.uri} -> {answer['message_id']}"


def _async_final(run: Run) -> str:
    return _final(run, run.ids["async"], submissions=1)


def _sync_final(run: Run) -> str:
    return _final(run, run.ids["sync"], submissions=1)


def _resubmit(run: Run) -> str:
    message_id = run.ids["async"]
    run.ctx.client.post(f"/messages/{message_id}/resubmit")
    return "resubmitted, " + _final(run, message_id, submissions=2)


def _final(run: Run, message_id: str, submissions: int) -> str:
    """Wait for the message's submission to end; check where it ended."""
    deadline = time.monotonic() + run.timeout
    while True:
        message = run.ctx.client.get(f"/messages/{message_id}")
        status = message["status"]
        done = message.get("submission_count", 0) >= submissions and status not in PENDING
        if done or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    if not done:
        raise SmokeFailure(f"{message_id} still {status} after {run.timeout:.0f}s")
    if status not in FINAL:
        raise SmokeFailure(f"{message_id} ended {status}: {message.get('reason')}")
    return f"{message_id} {status} (submission {message['submission_count']})"


def _dry_run(run: Run) -> str:
    request = {"uri": "smoke/dry-run", "method": "POST", "body": "{}", "config": DRAFT}
    result = run.ctx.client.post("/test", request)
    if result.get("status") != "SUCCESS":
        raise SmokeFailure(f"dry run {result.get('status')}: {json.dumps(result)[:200]}")
    return f"draft provider {result.get('provider')!r}: {result['status']}"
