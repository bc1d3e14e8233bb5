"""template.yaml declares what the functions need, and the local stack provisions exactly that."""

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from webhooks_local.template import (
    LOCAL_TYPES,
    TEMPLATE_PATH,
    ProvisionedStack,
    function_environment,
    function_spec,
    functions,
    load_template,
    provision,
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
    dead_letters = sqs.get_queue_attributes(
        QueueUrl=provisioned.refs["DeadLetterQueue"], AttributeNames=["QueueArn"]
    )
    assert redrive["deadLetterTargetArn"] == dead_letters["Attributes"]["QueueArn"]
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


def test_local_types_are_the_template_resources_moto_creates() -> None:
    # Given
    from moto.cloudformation.parsing import get_model_map

    # When
    declared = {resource["Type"] for resource in load_template()["Resources"].values()}

    # Then every local type is modelled by moto's CloudFormation, and our template uses them
    assert LOCAL_TYPES - get_model_map().keys() == set()
    assert LOCAL_TYPES - {"AWS::SSM::Parameter"} <= declared


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
    queue_name = stack.refs["Jobs"].rsplit("/", 1)[1]
    assert queue_name.startswith("demo-Jobs")
    assert setting["Value"] == f"small,{queue_name}"


ENVIRONMENT_TEMPLATE = """
Parameters:
  Size: {Type: Number, Default: 7}
Conditions:
  Never: !Equals [a, b]
Globals:
  Function:
    Environment:
      Variables:
        SHARED: global
        OVERRIDDEN: global
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-q"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: fn.handler.lambda_handler
      CodeUri: src/fn
      Environment:
        Variables:
          OVERRIDDEN: own
          SUB: !Sub "${Q}|${Q.Arn}|${!Literal}|${AWS::Region}"
          SUB_MAP: !Sub ["${A}-${AWS::StackName}", {A: !Ref Size}]
          SELECT: !Select [1, !Split [",", "a,b,c"]]
          NAME: !GetAtt Q.QueueName
          SUFFIX: !Ref AWS::URLSuffix
          ABSENT: !If [Never, !Ref Size, !Ref AWS::NoValue]
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Q.Arn
"""


def test_function_environment_is_evaluated_by_moto(aws_credentials: None, tmp_path: Path) -> None:
    # Given a function whose environment uses each intrinsic function
    path = tmp_path / "template.yaml"
    path.write_text(ENVIRONMENT_TEMPLATE, encoding="utf-8")

    # When
    with mock_aws():
        stack = provision(
            boto3.Session(region_name="eu-west-1"), stack_name="s", template=load_template(path)
        )
        environment = function_environment("Fn", stack)

    # Then
    url = stack.refs["Q"]
    arn = "arn:aws:sqs:eu-west-1:123456789012:s-q"
    assert url.endswith("/123456789012/s-q")
    assert environment == {
        "SHARED": "global",
        "OVERRIDDEN": "own",
        "SUB": f"{url}|{arn}|${{Literal}}|eu-west-1",
        "SUB_MAP": "7-s",
        "SELECT": "b",
        "NAME": "s-q",
        "SUFFIX": "amazonaws.com",
    }
    assert stack.attrs == {("Q", "Arn"): arn}
