"""`webhooks health`, `webhooks dead-letters`, `webhooks redrive`."""

from __future__ import annotations

from webhooks_cli.context import Context
from webhooks_cli.render import plural
from webhooks_cli.resources import Item
from webhooks_cli.wiring import Subparsers, add_command


def register(commands: Subparsers) -> None:
    add_command(commands, "health", health, "check that the admin API answers")
    add_command(commands, "dead-letters", dead_letters, "count messages in the dead-letter queue")
    add_command(commands, "redrive", redrive, "move dead letters back to the queue")


def health(ctx: Context) -> int:
    answer = ctx.client.get("/health")
    ctx.output(answer, lambda data: f"{data['status']} ({ctx.client.admin_url})")
    return 0


def dead_letters(ctx: Context) -> int:
    answer = ctx.client.get("/dead-letters")
    count = answer["approximate_count"]
    ctx.output(answer, lambda _: f"{plural(count, 'message')} in the dead-letter queue (approx.)")
    return 0


def redrive(ctx: Context) -> int:
    ctx.output(ctx.client.post("/dead-letters/redrive"), _redriven)
    return 0


def _redriven(answer: Item) -> str:
    if answer.get("moved") is not None:
        return f"moved {plural(answer['moved'], 'message')} back to the queue ({answer['method']})"
    return f"redrive started ({answer['method']}, task {answer.get('task_handle')})"
