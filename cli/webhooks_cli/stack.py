"""`webhooks stack`: where a deployed stack is, whether its alarms reach anyone, what to run next.

`make deploy` runs it after `sam deploy`. It reads CloudFormation and SNS with the caller's
AWS credentials, never the admin API.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import asdict, dataclass

from botocore.exceptions import BotoCoreError, ClientError

from webhooks_cli.context import Context
from webhooks_cli.endpoints import aws_error, aws_session, output, stack_outputs
from webhooks_cli.errors import USAGE, CliError
from webhooks_cli.parsing import Subparsers, add_command
from webhooks_cli.render import fields

PENDING = "PendingConfirmation"  # SNS's SubscriptionArn until the address confirms


@dataclass(frozen=True)
class StackSummary:
    stack_name: str
    region: str
    webhook_url: str
    admin_url: str
    alarm_topic_arn: str
    alarm_subscriptions: list[str]  # the confirmed endpoints
    pending_subscriptions: list[str]  # endpoints that have not confirmed yet

    @property
    def cli(self) -> str:
        """The `webhooks` command with this stack's global options."""
        return shlex.join(["webhooks", "--stack-name", self.stack_name, "--region", self.region])


def register(commands: Subparsers) -> None:
    add_command(
        commands,
        "stack",
        stack,
        "a deployed stack (--stack-name): its URLs, who its alarms reach, the next commands",
    )


def stack(ctx: Context) -> int:
    if not ctx.args.stack_name:
        raise CliError("stack needs --stack-name (and --region if not your default)", USAGE)
    summary = describe(ctx.args.stack_name, ctx.args.region, ctx.args.profile)
    ctx.output(asdict(summary), lambda _: render(summary))
    if not summary.alarm_subscriptions:
        print(f"warning: {alarm_warning(summary)}", file=sys.stderr)
    return 0


def describe(stack_name: str, region: str | None, profile: str | None) -> StackSummary:
    session, region = aws_session(stack_name, region, profile)
    try:
        outputs = stack_outputs(session, stack_name, region)
        topic = output(outputs, "AlarmTopicArn", stack_name)
        sns = session.create_client("sns", region_name=region)
        pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
        subscriptions = [s for page in pages for s in page["Subscriptions"]]
    except (BotoCoreError, ClientError) as error:
        raise aws_error(error, stack_name, region) from error
    return StackSummary(
        stack_name=stack_name,
        region=region,
        webhook_url=output(outputs, "WebhookUrl", stack_name),
        admin_url=output(outputs, "AdminUrl", stack_name),
        alarm_topic_arn=topic,
        alarm_subscriptions=[
            s["Endpoint"] for s in subscriptions if s["SubscriptionArn"] != PENDING
        ],
        pending_subscriptions=[
            s["Endpoint"] for s in subscriptions if s["SubscriptionArn"] == PENDING
        ],
    )


def render(summary: StackSummary) -> str:
    alarms = ", ".join(summary.alarm_subscriptions) or "nobody (see the warning)"
    if summary.pending_subscriptions:
        alarms += f"; not yet confirmed: {', '.join(summary.pending_subscriptions)}"
    table = fields(
        [
            ("stack", f"{summary.stack_name} in {summary.region}"),
            ("webhooks", f"{summary.webhook_url}<uri>"),
            ("admin API", summary.admin_url),
            ("alarms reach", alarms),
        ]
    )
    return (
        f"{table}\n\nNext (on a new stack):\n"
        f"  {summary.cli} apply -f examples/config.yaml\n"
        f"  {summary.cli} messages list"
    )


def alarm_warning(summary: StackSummary) -> str:
    waiting = (
        f" ({', '.join(summary.pending_subscriptions)} must confirm the email SNS sent first)"
        if summary.pending_subscriptions
        else ""
    )
    return (
        f"the stack's alarms reach no one{waiting}: deploy with AlarmEmail=<address> "
        f"(make deploy PARAMETERS='AlarmEmail=ops@example.com'), or subscribe to "
        f"{summary.alarm_topic_arn}"
    )
