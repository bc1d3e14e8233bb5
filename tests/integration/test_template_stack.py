"""The resources of template.yaml as moto's CloudFormation provisions them for the local stack
and the tests: names, indexes, encryption, environments, parameters."""

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from webhook_engine.settings import Settings
from webhooks_testbed.template import (
    TEMPLATE_PATH,
    ProvisionedStack,
    function_environment,
    function_spec,
    functions,
    load_template,
    plain_template,
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


def test_messages_table_has_a_sparse_attention_index_and_ttl(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # Given
    dynamodb = session.client("dynamodb")

    # When
    table = dynamodb.describe_table(TableName=provisioned.refs["MessageStoreTable"])["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=provisioned.refs["MessageStoreTable"])

    # Then
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_attention"
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["attention", "sk"]
    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    assert "head" not in index["Projection"]["NonKeyAttributes"]
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


@pytest.mark.parametrize("max_receive_count", ["2", "5", "20"])
def test_the_sweeper_waits_for_every_delivery_the_queue_makes(
    session: boto3.session.Session, max_receive_count: str
) -> None:
    # Given a stack whose queue delivers a submission this many times
    stack = provision(session, parameter_overrides={"MaxReceiveCount": max_receive_count})
    queue = session.client("sqs").get_queue_attributes(
        QueueUrl=stack.refs["WebhookQueue"], AttributeNames=["All"]
    )["Attributes"]
    receives = json.loads(queue["RedrivePolicy"])["maxReceiveCount"]
    last_delivery_ends = timedelta(
        seconds=(receives - 1) * int(queue["VisibilityTimeout"])
        + function_spec("ProcessFunction").timeout
    )

    # When the sweeper reads its settings
    settings = Settings.from_environ(function_environment("SweeperFunction", stack))

    # Then it takes a message for lost only after the last delivery has ended (earlier, it
    # would queue messages still being retried, and fail them as lost after three sweeps)
    assert receives == int(max_receive_count)
    assert settings.sweep_after > last_delivery_ends


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
    assert environment["QUEUE_URL"] == provisioned.refs["WebhookQueue"]
    assert environment["DEAD_LETTER_QUEUE_URL"] == provisioned.refs["DeadLetterQueue"]
    assert set(session.client("sqs").list_queues()["QueueUrls"]) == {
        environment["QUEUE_URL"],
        environment["DEAD_LETTER_QUEUE_URL"],
    }
    assert environment["PARAMETER_PREFIX"] == "/local/"
    assert environment["SYNC_BUDGET_SECONDS"] == "20"
    assert "SYNC_BUDGET_SECONDS" not in function_environment("ProcessFunction", provisioned)


def test_each_stack_counts_its_metrics_under_its_own_service_name(
    session: boto3.session.Session,
) -> None:
    # When two stacks are provisioned in one account and region
    stacks = [provision(session, stack_name=name) for name in ("blue", "green")]

    # Then every function of each names its metrics' `service` dimension after its stack
    assert [
        {function_environment(fid, stack)["POWERTOOLS_SERVICE_NAME"] for fid in functions()}
        for stack in stacks
    ] == [{"blue"}, {"green"}]


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


def test_messages_and_configuration_tables_have_point_in_time_recovery(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # Given
    dynamodb = session.client("dynamodb")

    # When
    statuses = [
        dynamodb.describe_continuous_backups(TableName=provisioned.refs[table])[
            "ContinuousBackupsDescription"
        ]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        for table in ("MessageStoreTable", "ConfigTable")
    ]

    # Then
    assert statuses == ["ENABLED", "ENABLED"]


def test_queues_are_encrypted_by_sqs_without_a_key(
    session: boto3.session.Session, provisioned: ProvisionedStack
) -> None:
    # When
    attributes = [
        session.client("sqs").get_queue_attributes(
            QueueUrl=provisioned.refs[queue], AttributeNames=["All"]
        )["Attributes"]
        for queue in ("WebhookQueue", "DeadLetterQueue")
    ]

    # Then
    assert [queue.get("SqsManagedSseEnabled") for queue in attributes] == ["true", "true"]
    assert [queue.get("KmsMasterKeyId") for queue in attributes] == [None, None]


@pytest.mark.parametrize("with_key", [False, True], ids=["default", "KmsKeyArn"])
def test_tables_are_encrypted_with_dynamodbs_own_key_or_the_stacks(
    session: boto3.session.Session, with_key: bool
) -> None:
    # (moto's CloudFormation creates tables without their SSESpecification: evaluated here)
    # Given
    key_arn = session.client("kms").create_key()["KeyMetadata"]["Arn"] if with_key else ""
    tables = ["MessageStoreTable", "ConfigTable"]

    # When
    evaluated = _evaluated(
        session,
        {
            table: load_template()["Resources"][table]["Properties"]["SSESpecification"]
            for table in tables
        },
        {"KmsKeyArn": key_arn} if with_key else {},
    )

    # Then SSEEnabled true without a key would be the AWS managed key (KMS charges), not
    # DynamoDB's own
    expected = (
        {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn}
        if with_key
        else {"SSEEnabled": False}
    )
    assert evaluated == dict.fromkeys(tables, expected)


def _evaluated(
    session: boto3.session.Session, expressions: dict[str, Any], parameters: dict[str, str]
) -> dict[str, Any]:
    """Each expression as moto's CloudFormation evaluates it in a stack of the template, with
    what `AWS::NoValue` leaves out dropped."""
    outputs = {key: {"Fn::ToJsonString": value} for key, value in expressions.items()}
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(
        StackName="evaluated",
        TemplateBody=json.dumps(plain_template(load_template(), outputs)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    [stack] = cloudformation.describe_stacks(StackName="evaluated")["Stacks"]
    return {
        output["OutputKey"]: {
            name: value
            for name, value in json.loads(output["OutputValue"]).items()
            if value is not None
        }
        for output in stack["Outputs"]
    }


def test_a_customer_managed_key_encrypts_queues_topic_and_bucket(
    session: boto3.session.Session,
) -> None:
    # (moto's CloudFormation leaves the tables' SSESpecification out: not checked here)
    # Given
    key_arn = session.client("kms").create_key()["KeyMetadata"]["Arn"]

    # When
    stack = provision(session, parameter_overrides={"KmsKeyArn": key_arn})

    # Then
    queue = session.client("sqs").get_queue_attributes(
        QueueUrl=stack.refs["WebhookQueue"], AttributeNames=["All"]
    )["Attributes"]
    assert queue["KmsMasterKeyId"] == key_arn
    topic = session.client("sns").get_topic_attributes(TopicArn=stack.refs["AlarmTopic"])
    assert topic["Attributes"]["KmsMasterKeyId"] == key_arn
    encryption = session.client("s3").get_bucket_encryption(Bucket=stack.refs["PayloadBucket"])
    [rule] = encryption["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }


@pytest.mark.parametrize("allowed", ["", "127.0.0.1:8080,hooks.test"])
def test_functions_that_run_scripts_get_the_http_allow_list(
    session: boto3.session.Session, allowed: str
) -> None:
    # Given the template's HttpAllowedHosts parameter, default (empty) or set
    overrides = {"HttpAllowedHosts": allowed} if allowed else {}

    # When the stack is provisioned
    stack = provision(session, parameter_overrides=overrides)

    # Then ingest (synchronous requests) and process pass it on, and admin (dry runs check
    # calls as they would be made); the sweeper runs no scripts
    environments = {fid: function_environment(fid, stack) for fid in functions()}
    assert environments["IngestFunction"]["HTTP_ALLOWED_HOSTS"] == allowed
    assert environments["ProcessFunction"]["HTTP_ALLOWED_HOSTS"] == allowed
    assert environments["AdminFunction"]["HTTP_ALLOWED_HOSTS"] == allowed
    assert "HTTP_ALLOWED_HOSTS" not in environments["SweeperFunction"]


def test_the_endpoint_variable_is_declared_for_sam_but_left_out_on_aws(
    provisioned: ProvisionedStack,
) -> None:
    # Given the template's AWS_ENDPOINT_URL (declared, so that `sam local`'s --env-vars sets it)
    declared = load_template()["Globals"]["Function"]["Environment"]["Variables"]

    # When the stack is created (moto's CloudFormation evaluates the variables as AWS does)
    environments = [function_environment(fid, provisioned) for fid in functions()]

    # Then no function has it: boto3 reaches AWS's own endpoints
    assert declared["AWS_ENDPOINT_URL"] == {"Ref": "AWS::NoValue"}
    assert all("AWS_ENDPOINT_URL" not in environment for environment in environments)
