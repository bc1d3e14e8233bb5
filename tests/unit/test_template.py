"""template.yaml declares what the functions need, and the local stack provisions exactly that."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from webhooks_local.template import (
    TEMPLATE_PATH,
    ProvisionedStack,
    function_environment,
    function_spec,
    functions,
    load_template,
    provision,
    resolve,
)

REPO_ROOT = TEMPLATE_PATH.parent


@pytest.fixture
def session(aws_credentials: None) -> Iterator[boto3.session.Session]:
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture
def provisioned(session: boto3.session.Session) -> ProvisionedStack:
    return provision(session)


def test_template_reads_short_forms_as_long_form() -> None:
    # Given / When
    template = load_template()

    # Then
    queue = template["Resources"]["WebhookQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]
    }
    assert queue["QueueName"] == {"Fn::Sub": "${AWS::StackName}-queue"}
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }


def test_messages_table_has_time_index_and_ttl(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # Given
    dynamodb = session.client("dynamodb")

    # When
    table = dynamodb.describe_table(TableName=provisioned.refs["MessagesTable"])["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=provisioned.refs["MessagesTable"])

    # Then
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_time"
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["gsi1pk", "gsi1sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }


def test_queue_redrives_to_dead_letter_queue(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # Given
    sqs = session.client("sqs")
    process_timeout = function_spec("ProcessFunction").timeout

    # When
    attributes = sqs.get_queue_attributes(
        QueueUrl=provisioned.refs["WebhookQueue"], AttributeNames=["All"]
    )

    # Then
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == provisioned.attrs[("DeadLetterQueue", "Arn")]
    assert redrive["maxReceiveCount"] == 5
    assert int(attributes["Attributes"]["VisibilityTimeout"]) >= 6 * process_timeout


def test_payload_bucket_is_versioned(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # When
    versioning = session.client("s3").get_bucket_versioning(
        Bucket=provisioned.refs["PayloadBucket"]
    )

    # Then
    assert versioning["Status"] == "Enabled"


def test_function_environment_names_the_provisioned_resources(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # When
    environment = function_environment("IngestFunction", provisioned)

    # Then
    tables = session.client("dynamodb").list_tables()["TableNames"]
    assert environment["MESSAGES_TABLE"] in tables
    queue_url = session.client("sqs").get_queue_url(QueueName="local-queue")["QueueUrl"]
    assert environment["QUEUE_URL"] == queue_url
    assert environment["PARAMETER_PREFIX"] == "/local/"
    assert environment["SYNC_BUDGET_SECONDS"] == "20"
    assert "SYNC_BUDGET_SECONDS" not in function_environment("ProcessFunction", provisioned)


def test_process_function_reads_the_queue_in_batches() -> None:
    # When
    spec = function_spec("ProcessFunction")

    # Then
    [event] = spec.events.values()
    assert event.type == "SQS"
    assert event.properties["Queue"] == "WebhookQueue"
    assert event.properties["BatchSize"] == 10
    assert event.properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("function_id", functions())
def test_function_code_exists(function_id: str) -> None:
    # Given
    spec = function_spec(function_id)

    # When
    package = spec.handler.split(".")[0]

    # Then
    assert (REPO_ROOT / spec.code_uri).is_dir()
    assert (REPO_ROOT / spec.code_uri / package / "__init__.py").is_file()


def test_provision_skips_false_conditions_and_resolves_properties(
    session: boto3.session.Session, tmp_path: Path
) -> None:
    # Given
    (tmp_path / "template.yaml").write_text(
        """
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Condition: IsProd
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/${AWS::StackName}/setting"
      Type: String
      Value: !Join [",", [!If [IsProd, big, small], !GetAtt Jobs.QueueName]]
  Jobs:
    Type: AWS::SQS::Queue
""",
        encoding="utf-8",
    )
    template = load_template(tmp_path / "template.yaml")

    # When
    stack = provision(session, stack_name="demo", template=template)

    # Then
    assert "Alerts" not in stack.refs
    setting = session.client("ssm").get_parameter(Name="/demo/setting")["Parameter"]
    assert setting["Value"] == "small,demo-Jobs"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::Sub": "${Q}|${Q.Arn}|${!Literal}|${AWS::Region}"}, "url|arn:q|${Literal}|eu-west-1"),
        ({"Fn::Sub": ["${A}-${AWS::StackName}", {"A": {"Ref": "Size"}}]}, "7-s"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::If": ["Never", {"Ref": "Missing"}, {"Ref": "AWS::NoValue"}]}, None),
        ({"Fn::GetAtt": "Q.Arn"}, "arn:q"),
        ([{"Ref": "AWS::URLSuffix"}, {"Ref": "AWS::NoValue"}], ["amazonaws.com"]),
    ],
)
def test_resolve_evaluates_intrinsics(value: Any, expected: Any) -> None:
    # Given
    stack = ProvisionedStack(
        "s", "eu-west-1", {"Q": "url"}, {("Q", "Arn"): "arn:q"}, {"Size": "7"},
        {"Never": {"Fn::Equals": ["a", "b"]}},
    )  # fmt: skip

    # When
    resolved = resolve({"key": value}, stack)

    # Then
    assert resolved.get("key") == expected
