"""Each function's role grants what its code calls and nothing more.

The roles of template.yaml, with the managed policies they attach, are evaluated by moto's
CloudFormation (parameters and conditions resolved, as for the local stack) and compared,
grant by grant (effect, action, resource, condition), with what the function needs: the calls
its code makes (`CALLS`), what Lambda does with its role (logs, traces, the queue's event
source), and what KmsKeyArn and SubnetIds add. A grant nothing uses fails, as does a call
without its grant. `CALLS` is held in turn to the AWS operations the adapters name, so that
adding a call to the code, or removing the last one of a kind, fails until the roles follow.

Which function reaches which adapter method is read from the code and written down here; the
calls themselves are checked against the roles in moto by every end-to-end test, and the grants
none of them used are reported (docs/security.md, "Permissions proven"). The scripts' `aws`
actions are test_template_actions.py's."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from moto import mock_aws

from admin.policies import policy_ids
from webhook_engine import adapters
from webhooks_testbed.template import load_template, plain_template

REGION, ACCOUNT, STACK = "us-east-1", "123456789012", "roles"
VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
CONFIG_READS = {"dynamodb:GetItem", "dynamodb:Query"}  # the revision, then the items

# What each function's code calls, by resource. `payloads` is the bucket's `payloads/` keys,
# `by_attention` the messages table's index, `secrets` the parameters under /<stack>/providers/.
CALLS: dict[str, dict[str, set[str]]] = {
    "IngestFunction": {
        # ingest.py stores (a PutItem, or a BatchWriteItem with the body's own item) and queues;
        # a synchronous request runs processing.py here: the claim and the record (UpdateItem,
        # BatchWriteItem for records too large to fold), the body's own item and a sender's
        # repeat (GetItem, PutItem)
        "MessageStoreTable": {
            "dynamodb:PutItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
        },
        "ConfigTable": CONFIG_READS,
        "payloads": {"s3:PutObject", "s3:GetObject"},
        "WebhookQueue": {"sqs:SendMessage"},
        "secrets": {"ssm:GetParametersByPath"},
    },
    "ProcessFunction": {
        # processing.py as above, and give_up (UpdateItem); consumer.py queues a deferred record
        "MessageStoreTable": {
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
            "dynamodb:BatchWriteItem",
        },
        "ConfigTable": CONFIG_READS,
        "payloads": {"s3:GetObject"},
        "WebhookQueue": {"sqs:SendMessage"},
        "secrets": {"ssm:GetParametersByPath"},
    },
    "AdminFunction": {
        # messages: the list, details, bodies (GetItem, Query), the dead letters' messages and
        # resubmissions (BatchGetItem), whose TransactWriteItems updates each message and may
        # put a record; FAILED and DEAD pages come from the index
        "MessageStoreTable": {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:BatchGetItem",
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
        },
        "by_attention": {"dynamodb:Query"},
        # config_table.py: writes bump the revision (UpdateItem); deletes
        "ConfigTable": CONFIG_READS
        | {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "payloads": {"s3:GetObject"},  # presigned links are signed with the role
        # resubmissions, a record redriven alone, and the move task's destination
        "WebhookQueue": {"sqs:SendMessage"},
        # sqs.py: the count, listing and releasing records, discarding, the whole-queue redrive
        "DeadLetterQueue": {
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:StartMessageMoveTask",
        },
        "secrets": {"ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameter"},
        # audit_table.py: an entry (PutItem), a bulk resubmission's (BatchWriteItem), reads by
        # object (the table), actor and time (the indexes); iam.py: an IAM caller's role tag
        "AuditTable": {"dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:Query"},
        "audit_indexes": {"dynamodb:Query"},
        "iam_users": {"iam:ListUserTags"},
        "iam_roles": {"iam:ListRoleTags"},
    },
    "SweeperFunction": {
        # sweeper.py: its mark (GetItem, PutItem), the arrivals since (Query), re-queue counts
        # and lost messages (UpdateItem), the watched submissions (index)
        "MessageStoreTable": {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
        },
        "by_attention": {"dynamodb:Query"},
        "WebhookQueue": {"sqs:SendMessage"},
    },
}
# The queue's event source mapping polls with the process function's role.
EVENT_SOURCE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# With KmsKeyArn, every function reads and writes the queues, bucket and tables under it.
STACK_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
# SSM encrypts and decrypts SecureString parameters with KMS on the caller's behalf.
SECRET_KEY_ACTIONS = {
    "ssm:GetParametersByPath": {"kms:Decrypt"},
    "ssm:PutParameter": {"kms:Encrypt", "kms:GenerateDataKey"},
}
VIA_SSM = json.dumps({"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}})
NO_CONDITION = json.dumps(None)

CALLER_POLICIES = set(policy_ids())
type Grant = tuple[str, str, str, str]  # effect, action, resource, condition (JSON)
ARN_TYPES = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Logs::LogGroup", "AWS::S3::Bucket"}


def _stack(parameters: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The template's roles and managed policies as moto's CloudFormation evaluates them with
    these parameters, and the ARNs of the stack's resources by logical id."""
    template = load_template()
    resources = template["Resources"]
    outputs: dict[str, Any] = {}
    for rid, resource in resources.items():
        properties = resource.get("Properties", {})
        if rid in CALLER_POLICIES:
            continue  # the admin API's callers', held to the route table (tests/unit/admin)
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            outputs[rid] = {"Fn::ToJsonString": properties["PolicyDocument"]}
        elif resource["Type"] == "AWS::IAM::Role":
            outputs[rid] = {"Fn::ToJsonString": _role_outputs(properties)}
        elif resource["Type"] in ARN_TYPES:
            outputs[rid] = {"Fn::GetAtt": [rid, "Arn"]}
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(plain_template(template, outputs)),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        [stack] = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
    values = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    policies = {rid for rid in values if resources[rid]["Type"].startswith("AWS::IAM::")}
    evaluated = {rid: json.loads(values[rid]) for rid in policies}
    return evaluated, {rid: arn for rid, arn in values.items() if rid not in policies}


def _role_outputs(properties: dict[str, Any]) -> dict[str, Any]:
    """A role's inline policies, and the managed policies it attaches: the template's own by
    logical id (moto's CloudFormation creates no IAM resources), the others evaluated."""
    attached = properties.get("ManagedPolicyArns", [])
    return {
        "inline": [policy["PolicyDocument"] for policy in properties.get("Policies", [])],
        "own": [arn["Ref"] for arn in attached if "Ref" in arn],
        "managed": [arn for arn in attached if "Ref" not in arn],
    }


def granted(evaluated: dict[str, Any], role: str) -> set[Grant]:
    """Every grant of the role, its own managed policies' included; AWS managed policies as
    ("Attach", arn, "", "")."""
    outputs = evaluated[role]
    documents = [*outputs["inline"], *(evaluated[name] for name in outputs["own"])]
    grants = {("Attach", arn, "", "") for arn in outputs["managed"] if arn}
    for statement in (s for document in documents for s in _listed(document["Statement"])):
        condition = json.dumps(statement.get("Condition"), sort_keys=True)
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                grants.add((statement["Effect"], action, resource, condition))
    return grants


def _listed(value: Any) -> list[Any]:
    """A policy element as a list; moto leaves `AWS::NoValue` in a list as null."""
    return [item for item in (value if isinstance(value, list) else [value]) if item is not None]


def needed(function: str, arns: dict[str, str], parameters: dict[str, str]) -> set[Grant]:
    """What the function's role must grant: its code's calls, and what Lambda does with it."""
    where = {
        **arns,
        "by_attention": f"{arns['MessageStoreTable']}/index/by_attention",
        "payloads": f"{arns['PayloadBucket']}/payloads/*",
        "secrets": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{STACK}/providers/*",
        "audit_indexes": f"{arns['AuditTable']}/index/*",
        "iam_users": f"arn:aws:iam::{ACCOUNT}:user/*",
        "iam_roles": f"arn:aws:iam::{ACCOUNT}:role/*",
    }
    log_group = arns[f"{function.removesuffix('Function')}LogGroup"]
    calls = {(a, where[resource]) for resource, actions in CALLS[function].items() for a in actions}
    calls |= {("logs:CreateLogStream", log_group), ("logs:PutLogEvents", log_group)}
    calls |= {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
    if function == "ProcessFunction":
        calls |= {(action, arns["WebhookQueue"]) for action in EVENT_SOURCE}
    if key := parameters.get("KmsKeyArn"):
        calls |= {(action, key) for action in STACK_KEY_ACTIONS}
    grants = {("Allow", action, resource, NO_CONDITION) for action, resource in calls}
    secrets = CALLS[function].get("secrets", set())
    grants |= {
        ("Allow", kms, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*", VIA_SSM)
        for action in secrets
        for kms in SECRET_KEY_ACTIONS.get(action, set())
    }
    if parameters.get("SubnetIds"):
        grants.add(("Attach", VPC_POLICY, "", ""))
    return grants


CONFIGURATIONS = {
    "defaults": {},
    "key and VPC": {
        "KmsKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        "SubnetIds": "subnet-0a1b2c3d",
        "SecurityGroupIds": "sg-0a1b2c3d",
    },
}


type Deployed = tuple[dict[str, str], dict[str, Any], dict[str, str]]


@pytest.fixture(scope="module", params=list(CONFIGURATIONS))
def deployed(request: pytest.FixtureRequest) -> Deployed:
    """The parameters, the evaluated roles and policies, the resources' ARNs."""
    parameters = CONFIGURATIONS[request.param]
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(name, "testing")
        evaluated, arns = _stack(parameters)
    return parameters, evaluated, arns


@pytest.mark.parametrize("function", list(CALLS))
def test_each_role_grants_what_its_function_calls_and_nothing_more(
    deployed: Deployed, function: str
) -> None:
    # Given
    parameters, evaluated, arns = deployed

    # When
    grants = granted(evaluated, f"{function}Role")
    needs = needed(function, arns, parameters)

    # Then
    unused, missing = grants - needs, needs - grants
    assert (sorted(unused), sorted(missing)) == ([], [])


def test_each_function_runs_with_its_own_role() -> None:
    # Given
    resources = load_template()["Resources"]

    # When
    roles = {
        rid: resource["Properties"]["Role"]
        for rid, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }

    # Then (a SAM function without Role would get SAM's generated role and its managed policies)
    assert roles == {function: {"Fn::GetAtt": [f"{function}Role", "Arn"]} for function in CALLS}
    assert {rid for rid, r in resources.items() if r["Type"] == "AWS::IAM::Role"} == {
        f"{function}Role" for function in CALLS
    }


# The adapters that call AWS for the stack's own resources (aws_actions.py makes the calls of
# scripts' actions), and the calls they make by another name than the operation's.
ADAPTERS = Path(adapters.__file__).parent
SCRIPT_ACTIONS = "aws_actions.py"
SERVICES = ("dynamodb", "s3", "sqs", "ssm", "iam")
INDIRECT = {
    "batch_writer": {"dynamodb:BatchWriteItem"},  # boto3's batch writer
    "transact_write_items": {"dynamodb:UpdateItem", "dynamodb:PutItem"},  # each item's action
    "send_message_batch": {"sqs:SendMessage"},  # batches need their single action
    "change_message_visibility_batch": {"sqs:ChangeMessageVisibility"},
    "generate_presigned_url": {"s3:GetObject"},  # the link is signed with the role
    "get_multiple": {"ssm:GetParametersByPath"},  # Powertools' SSMProvider
}


def adapter_actions() -> set[str]:
    """The IAM actions of every AWS operation the adapters name."""
    session = botocore.session.get_session()
    operations: dict[str, set[str]] = {}
    for service in SERVICES:
        for operation in session.get_service_model(service).operation_names:
            operations.setdefault(xform_name(operation), set()).add(f"{service}:{operation}")
    named = {
        node.attr
        for path in ADAPTERS.glob("*.py")
        if path.name != SCRIPT_ACTIONS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
    }
    return {action for name in named for action in INDIRECT.get(name, operations.get(name, set()))}


def test_the_calls_written_down_are_the_calls_the_adapters_make() -> None:
    # When
    written = {
        action for calls in CALLS.values() for actions in calls.values() for action in actions
    }

    # Then
    assert adapter_actions() == written
