"""`webhooks send`: post a webhook to the stack, optionally signed the way GitHub signs."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from webhooks_cli import transport
from webhooks_cli.context import Context
from webhooks_cli.errors import exit_code_for
from webhooks_cli.inputs import header, source_bytes
from webhooks_cli.parsing import Subparsers, add_command
from webhooks_cli.render import to_json


def register(commands: Subparsers) -> None:
    parser = add_command(commands, "send", send, "post a webhook to <stack>/webhooks/URI")
    parser.add_argument("uri", help="e.g. git/push or 'git/push?projectId=1'")
    parser.add_argument("--method", default="POST", type=str.upper)
    parser.add_argument(
        "--header", type=header, action="append", default=[], metavar="'NAME: VALUE'"
    )
    parser.add_argument("--body", type=source_bytes, default=b"", help="TEXT, or @file")
    parser.add_argument("--sync", action="store_true", help="wait for the functions to run")
    parser.add_argument(
        "--github-secret", help="sign like GitHub: X-Hub-Signature-256, X-GitHub-Event: push"
    )
    parser.epilog = "exit code 0 on a 2xx answer; otherwise as for the admin API (404 -> 3)"


def send(ctx: Context) -> int:
    args = ctx.args
    url = ctx.endpoints.webhook_url + args.uri.lstrip("/")
    reply = transport.call(args.method, url, webhook_headers(ctx), args.body or None)
    answer = reply.parsed()
    if not ctx.json:
        print(f"HTTP {reply.status} {reply.reason}")
    if answer is not None:
        print(answer if isinstance(answer, str) else to_json(answer))
    return exit_code_for(reply.status)


def webhook_headers(ctx: Context) -> dict[str, str]:
    """The headers given, then defaults for the body type, sync mode and GitHub signing."""
    args = ctx.args
    body: bytes = args.body
    headers = dict(args.header)
    defaults = {"Content-Type": content_type(body)} if body else {}
    if args.sync:
        defaults["flex-sync-webhook"] = "true"
    if args.github_secret:
        headers["X-Hub-Signature-256"] = github_signature(args.github_secret, body)
        defaults.update(
            {
                "X-GitHub-Event": "push",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "User-Agent": "GitHub-Hookshot/webhooks-cli",
            }
        )
    given = {name.lower() for name in headers}
    return headers | {name: value for name, value in defaults.items() if name.lower() not in given}


def github_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC of the exact body>`, as GitHub sends in X-Hub-Signature-256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def content_type(body: bytes) -> str:
    """JSON, text or binary, judged from the body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    try:
        json.loads(text)
    except ValueError:
        return "text/plain; charset=utf-8"
    return "application/json"
