"""`webhooks test`: dry-run a request against the stored (or a draft) configuration."""

from __future__ import annotations

import base64

from webhooks_cli.context import Context
from webhooks_cli.details import test_result
from webhooks_cli.inputs import header, source_bytes, yaml_document
from webhooks_cli.parsing import Subparsers, add_command
from webhooks_cli.resources import Item, given


def register(commands: Subparsers) -> None:
    parser = add_command(commands, "test", test, "show what a request would match and run")
    parser.add_argument("--uri", required=True, help="e.g. git/push")
    parser.add_argument("--method", default="POST", type=str.upper)
    parser.add_argument("--query", help="query string, e.g. 'a=1&b=2'")
    parser.add_argument(
        "--header", type=header, action="append", default=[], metavar="'NAME: VALUE'"
    )
    parser.add_argument("--body", type=source_bytes, help="TEXT, or @file")
    parser.add_argument(
        "--config", type=yaml_document, help="a draft configuration file to test instead"
    )
    parser.add_argument(
        "--inherit-secrets",
        action="store_true",
        help="let the draft use stored secret values it leaves out (recorded with your identity)",
    )
    parser.epilog = "exit code 0 when the status is SUCCESS, 1 otherwise"


def test(ctx: Context) -> int:
    result = ctx.client.post("/test", request_body(ctx))
    ctx.output(result, test_result)
    return 0 if result["status"] == "SUCCESS" else 1


def request_body(ctx: Context) -> Item:
    """The `POST /test` body; a body that is not UTF-8 goes as base64."""
    args = ctx.args
    request = given(
        method=args.method,
        uri=args.uri.strip("/"),
        query=args.query,
        headers=dict(args.header) or None,
        config=args.config,
        inherit_secrets=args.inherit_secrets or None,
    )
    if args.body is not None:
        try:
            request["body"] = args.body.decode("utf-8")
        except UnicodeDecodeError:
            request["body_base64"] = base64.b64encode(args.body).decode()
    return request
