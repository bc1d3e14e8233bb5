"""template.yaml grants scripts' `aws` actions only on the ARNs the deployer lists: none with the
default parameters, exactly the listed ones otherwise, and the engine checks the same lists.

Conditions and intrinsic functions are evaluated by moto's CloudFormation, not re-implemented
here. moto leaves an `AWS::NoValue` in a list as null where CloudFormation drops it; the
statements below are read without those."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from webhook_engine.actions.aws_overrides import OVERRIDES
from webhook_engine.actions.aws_targets import KINDS, Kind, listed_target
from webhook_engine.settings import Settings
from webhooks_testbed.template import load_template, provision

ACCOUNT = "123456789012"
ACTIONS = {
    "ActionEventBusArns": "events:PutEvents",
    "ActionQueueArns": "sqs:SendMessage",
    "ActionTopicArns": "sns:Publish",
    "ActionStateMachineArns": "states:StartExecution",
    "ActionBuildProjectArns": "codebuild:StartBuild",
    "ActionPipelineArns": "codepipeline:StartPipelineExecution",
    "ActionFunctionArns": "lambda:InvokeFunction",
}
EXAMPLES = {
    "ActionEventBusArns": f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default",
    "ActionQueueArns": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs",
    "ActionTopicArns": f"arn:aws:sns:eu-west-1:{ACCOUNT}:news.fifo",
    "ActionStateMachineArns": f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:flow:prod",
    "ActionBuildProjectArns": f"arn:aws:codebuild:eu-west-1:{ACCOUNT}:project/build-web",
    "ActionPipelineArns": f"arn:aws-cn:codepipeline:cn-north-1:{ACCOUNT}:deploy",
    "ActionFunctionArns": f"arn:aws:lambda:us-gov-west-1:{ACCOUNT}:function:notify:$LATEST",
}
POLICY = "ScriptActionsPolicy"


def granted(parameters: dict[str, str]) -> dict[str, Any] | None:
    """The script actions policy document the stack would have (None: no policy at all)."""
    template = load_template()
    policy = template["Resources"][POLICY]
    body = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": template["Parameters"],
        "Conditions": template["Conditions"],
        "Resources": {"Anything": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "Policy": {
                "Condition": policy["Condition"],
                "Value": {"Fn::ToJsonString": policy["Properties"]["PolicyDocument"]},
            }
        },
    }
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(
            StackName="actions",
            TemplateBody=json.dumps(body),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        [stack] = cloudformation.describe_stacks(StackName="actions")["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "Policy" not in outputs:
        return None
    document: dict[str, Any] = json.loads(outputs["Policy"])
    document["Statement"] = [s for s in document["Statement"] if s is not None]
    return document


def test_the_default_parameters_grant_no_action(aws_credentials: None) -> None:
    # When
    document = granted({})

    # Then the policy does not exist, and no other statement grants an action's permission
    # but on the stack's own queue (the functions queue submissions on it)
    assert document is None
    resources = {k: v for k, v in load_template()["Resources"].items() if k != POLICY}
    elsewhere = [
        (statement["Action"], statement["Resource"])
        for statement in _statements(resources)
        if set(_listed(statement["Action"])) & set(ACTIONS.values())
    ]
    own_queue = {"Fn::GetAtt": ["WebhookQueue", "Arn"]}
    assert [grant for grant in elsewhere if grant[1] != own_queue] == []
    assert elsewhere


def _statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every policy statement (a mapping with an Effect and an Action) in the template data."""
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            yield node
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for item in node:
            yield from _statements(item)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_each_list_grants_its_action_on_exactly_those_arns(aws_credentials: None) -> None:
    # Given two projects and a queue listed, nothing else
    projects = [
        f"arn:aws:codebuild:eu-west-1:{ACCOUNT}:project/build-web",
        "arn:aws:codebuild:us-east-1:210987654321:project/build-api",
    ]
    queue = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs"

    # When
    document = granted({"ActionBuildProjectArns": ",".join(projects), "ActionQueueArns": queue})

    # Then
    assert document is not None
    assert document["Statement"] == [
        {"Sid": "SendMessage", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [queue]},
        {
            "Sid": "StartBuild",
            "Effect": "Allow",
            "Action": "codebuild:StartBuild",
            "Resource": projects,
        },
    ]


@pytest.mark.parametrize("parameter", ACTIONS)
def test_every_list_grants_only_its_own_action(aws_credentials: None, parameter: str) -> None:
    # When
    document = granted({parameter: EXAMPLES[parameter]})

    # Then
    assert document is not None
    [statement] = document["Statement"]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == (
        "Allow",
        ACTIONS[parameter],
        [EXAMPLES[parameter]],
    )


def test_the_policy_is_on_the_roles_of_the_functions_that_run_function_scripts() -> None:
    # When
    policy = load_template()["Resources"][POLICY]

    # Then: process, and ingest for synchronous messages; not admin (dry runs call nothing)
    assert policy["Properties"]["Roles"] == [
        {"Ref": "IngestFunctionRole"},
        {"Ref": "ProcessFunctionRole"},
    ]


def test_the_functions_read_the_same_lists_as_settings(aws_credentials: None) -> None:
    # When every list is set, and the template's environment is read as settings
    with mock_aws():
        stack = provision(boto3.Session(region_name="us-east-1"), parameter_overrides=EXAMPLES)
    settings = Settings.from_environ(stack.environments["ProcessFunction"])

    # Then each kind's setting holds its parameter's ARNs
    assert {kind.parameter: getattr(settings, kind.setting) for kind in KINDS} == {
        parameter: (arn,) for parameter, arn in EXAMPLES.items()
    }


def test_the_functions_read_the_override_lists_as_settings(aws_credentials: None) -> None:
    # Given both override lists set, with patterns as deployers write them
    lists = {
        "ActionBuildEnvironmentVariables": "GIT_REF,DEPLOY_[A-Z_]+",
        "ActionBuildSourceVersions": r"[0-9a-f]{40},refs/heads/(main|release-\d+)",
    }

    # When the stack is provisioned, and the functions' environment read as settings
    with mock_aws():
        stack = provision(boto3.Session(region_name="us-east-1"), parameter_overrides=lists)
    settings = Settings.from_environ(stack.environments["ProcessFunction"])

    # Then each setting holds its parameter's patterns; they grant no IAM permission
    assert {item.parameter: getattr(settings, item.setting) for item in OVERRIDES} == {
        parameter: tuple(value.split(",")) for parameter, value in lists.items()
    }
    assert granted(lists) is None


SAMPLES = [
    *EXAMPLES.values(),
    f"arn:aws:codebuild:eu-west-1:{ACCOUNT}:project/*",
    f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:*",
    f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:notify:prod",
    f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:notify:prod:extra",
    f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs.fifo",
    f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs/x",
    "arn:aws:sqs:eu-west-1:*:jobs",
    f"arn:aws:sqs:*:{ACCOUNT}:jobs",
    f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:flow",
    f"arn:aws:states:eu-west-1:{ACCOUNT}:execution:flow:1",
    f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/aws.partner/acme/orders",
    f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/x",
    f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:deploy",
    f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:deploy/stage",
    "build-web",
    "",
]


@pytest.mark.parametrize("kind", KINDS, ids=[kind.parameter for kind in KINDS])
def test_the_template_and_the_engine_accept_the_same_arns(kind: Kind) -> None:
    # Given the parameter's pattern, applied by CloudFormation to each entry of the list
    pattern = load_template()["Parameters"][kind.parameter]["AllowedPattern"]

    # When
    by_template = {arn for arn in SAMPLES if arn and re.fullmatch(pattern, arn)}
    by_engine = {arn for arn in SAMPLES if _listable(kind, arn)}

    # Then (the empty default is allowed by the pattern and is no entry for the engine)
    assert re.fullmatch(pattern, "")
    assert by_template == by_engine
    assert by_engine


def _listable(kind: Kind, arn: str) -> bool:
    try:
        listed_target(kind, arn)
    except ValueError:
        return False
    return True
