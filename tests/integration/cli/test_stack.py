"""`webhooks stack` (what `make deploy` prints) and finding a stack in its own region."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.integration.cli.harness import Run
from webhooks_cli.stack import StackSummary, alarm_warning

REGION = "eu-west-1"  # the stack's; the caller's default region is another
ADMIN_URL = f"https://a1b2c3.execute-api.{REGION}.amazonaws.com/admin/v1"
WEBHOOK_URL = f"https://d4e5f6.execute-api.{REGION}.amazonaws.com/webhooks/"
TEMPLATE = {
    "Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {
        "WebhookUrl": {"Value": WEBHOOK_URL},
        "AdminUrl": {"Value": ADMIN_URL},
        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
    },
}


@pytest.fixture
def topic(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A deployed stack `demo` in REGION, for a caller whose default region is us-east-1
    (`aws_credentials`) and who has no AWS configuration files; its alarm topic's ARN."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName="demo", TemplateBody=json.dumps(TEMPLATE))
        [stack] = cloudformation.describe_stacks(StackName="demo")["Stacks"]
        yield next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "AlarmTopicArn")


def test_a_stack_whose_alarms_reach_no_one_is_shown_with_a_warning(topic: str, run: Run) -> None:
    # When
    result = run("--stack-name", "demo", "--region", REGION, "stack")

    # Then the URLs, and the next commands as they work from any default region
    assert result.code == 0
    assert f"{WEBHOOK_URL}<uri>" in result.out
    assert ADMIN_URL in result.out
    assert "webhooks --stack-name demo --region eu-west-1 apply -f examples/config.yaml" in (
        result.out
    )
    assert result.err.startswith("warning: the stack's alarms reach no one")
    assert topic in result.err


def test_a_confirmed_subscription_silences_the_warning(topic: str, run: Run) -> None:
    # Given
    sns = boto3.client("sns", region_name=REGION)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")

    # When
    result = run("--stack-name", "demo", "--region", REGION, "stack", "--json")

    # Then
    assert result.code == 0
    assert json.loads(result.out)["alarm_subscriptions"] == ["ops@example.com"]
    assert result.err == ""


def test_an_address_that_has_not_confirmed_yet_is_named_in_the_warning() -> None:
    # Given
    summary = StackSummary(
        "demo", REGION, WEBHOOK_URL, ADMIN_URL, "arn:aws:sns:eu-west-1:1:t", [], ["ops@x.test"]
    )

    # When
    warning = alarm_warning(summary)

    # Then
    assert warning.startswith("the stack's alarms reach no one (ops@x.test must confirm")


def test_a_stack_outside_the_default_region_is_not_found_there_and_the_error_says_why(
    topic: str, run: Run
) -> None:
    # When the stack is looked for without --region
    result = run("--stack-name", "demo", "health")

    # Then
    assert result.code == 3
    assert "cannot read stack demo in us-east-1" in result.err
    assert "pass --region" in result.err


def test_stack_needs_a_stack_name(run: Run) -> None:
    # When
    result = run("--url", "http://127.0.0.1:9", "stack")

    # Then
    assert result.code == 2
    assert "--stack-name" in result.err
