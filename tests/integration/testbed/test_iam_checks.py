"""What moto is made to check for each request (webhooks_testbed.iam_checks): the actions and
resources IAM checks, where moto would check the operation's name against `*`."""

from __future__ import annotations

import json
import urllib.parse
from types import SimpleNamespace
from typing import Any

import pytest

from webhooks_testbed import iam_checks, roles
from webhooks_testbed import template as cfn

ACCOUNT, REGION = "123456789012", "us-east-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"
DEAD = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead"


def request(body: dict[str, Any]) -> Any:
    """What `required` reads of moto's response object."""
    raw = json.dumps(body).encode()
    return SimpleNamespace(raw_body=raw, region=REGION, current_account=ACCOUNT)


CASES = {
    "a transaction: each item's action on its table": (
        "dynamodb:TransactWriteItems",
        {"TransactItems": [{"Update": {"TableName": "messages"}}, {"Put": {"TableName": "runs"}}]},
        [("dynamodb:UpdateItem", f"{TABLE}/messages"), ("dynamodb:PutItem", f"{TABLE}/runs")],
    ),
    "a batch: its own action on each table": (
        "dynamodb:BatchGetItem",
        {"RequestItems": {"b": {}, "a": {}}},
        [("dynamodb:BatchGetItem", f"{TABLE}/a"), ("dynamodb:BatchGetItem", f"{TABLE}/b")],
    ),
    "a query of an index: the index": (
        "dynamodb:Query",
        {"TableName": "messages", "IndexName": "by_attention"},
        [("dynamodb:Query", f"{TABLE}/messages/index/by_attention")],
    ),
    "a batch of messages: the single action": (
        "sqs:SendMessageBatch",
        {"QueueUrl": "http://moto/123456789012/queue"},
        [("sqs:SendMessage", QUEUE)],
    ),
    "a move task: both queues' rights": (
        "sqs:StartMessageMoveTask",
        {"SourceArn": DEAD, "DestinationArn": QUEUE},
        [
            ("sqs:StartMessageMoveTask", DEAD),
            ("sqs:ReceiveMessage", DEAD),
            ("sqs:DeleteMessage", DEAD),
            ("sqs:GetQueueAttributes", DEAD),
            ("sqs:SendMessage", QUEUE),
        ],
    ),
    "parameters by path: the path": (
        "ssm:GetParametersByPath",
        {"Path": "/local/providers/1/"},
        [
            (
                "ssm:GetParametersByPath",
                f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/local/providers/1/",
            )
        ],
    ),
    "a build: the project named": (
        "codebuild:StartBuild",
        {"projectName": "build-web"},
        [("codebuild:StartBuild", f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/build-web")],
    ),
    "events: each bus named": (
        "events:PutEvents",
        {"Entries": [{"EventBusName": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/b"}, {}]},
        [
            ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/b"),
            ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"),
        ],
    ),
}


def test_a_query_protocol_request_is_read_from_its_form():
    # Given SNS's form-encoded Publish
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    body = urllib.parse.urlencode({"Action": "Publish", "TopicArn": topic, "Message": "m"})
    response = SimpleNamespace(raw_body=body.encode(), region=REGION, current_account=ACCOUNT)

    # When
    pairs = iam_checks.required(response, "sns:Publish", "*")

    # Then
    assert pairs == [("sns:Publish", topic)]


@pytest.mark.parametrize("case", list(CASES))
def test_each_request_is_checked_as_iam_checks_it(case: str):
    # Given
    action, body, expected = CASES[case]

    # When (moto gives SQS requests their queue's ARN itself)
    pairs = iam_checks.required(request(body), action, QUEUE)

    # Then
    assert pairs == expected


def test_a_service_moto_resolves_itself_is_checked_as_moto_resolved_it():
    # When
    pairs = iam_checks.required(request({}), "s3:GetObject", "arn:aws:s3:::bucket/payloads/1")

    # Then
    assert pairs == [("s3:GetObject", "arn:aws:s3:::bucket/payloads/1")]


def test_every_role_and_policy_of_the_template_is_created_and_each_function_has_its_role():
    # Given
    translated = roles.translated()

    # When
    iam = roles.IamResources.of(translated)

    # Then (a role or policy added to the template joins the proof without a change to it)
    kinds = {roles.ROLE, *roles.POLICY_TYPES}
    assert set(iam.resources) == {
        rid for rid, r in translated["Resources"].items() if r["Type"] in kinds
    }
    assert iam.function_roles == {fid: f"{fid}Role" for fid in cfn.functions()}
