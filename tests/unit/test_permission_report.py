"""The report of the grants no call used (webhooks_testbed.grants): what fails it, what a
reason keeps, and how a template's roles read as grants."""

from __future__ import annotations

from typing import Any

import pytest

from webhooks_testbed import grants

QUEUE = "arn:aws:sqs:us-east-1:123456789012:local-WebhookQueue-ABC"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/local-Messages-XYZ"
SEND = "IngestFunctionRole sqs:SendMessage !GetAtt WebhookQueue.Arn"
PUT = "IngestFunctionRole dynamodb:PutItem !GetAtt MessageStoreTable.Arn"


def run(checks: list[list[Any]], *, queue: str = QUEUE, table: str = TABLE) -> dict[str, Any]:
    """One run of the local stack: the ingest role's two grants, and moto's decisions."""
    return {
        "grants": [
            {"role": "IngestFunctionRole", "action": "sqs:SendMessage",
             "written": "!GetAtt WebhookQueue.Arn", "resources": [queue]},
            {"role": "IngestFunctionRole", "action": "dynamodb:PutItem",
             "written": "!GetAtt MessageStoreTable.Arn", "resources": [table]},
        ],
        "checks": checks,
    }  # fmt: skip


def ingest(action: str, resource: str, allowed: bool = True) -> list[Any]:
    principal = "arn:aws:sts::123456789012:assumed-role/IngestFunctionRole/local-IngestFunction"
    return [principal, action, resource, allowed]


def test_a_grant_no_call_used_is_unexplained_and_fails_the_report():
    # Given a run that stored a message but queued none
    runs = [run([ingest("dynamodb:PutItem", TABLE)])]

    # When
    report = grants.report(runs, {})

    # Then
    assert report.unused == {SEND: None}
    assert report.failed
    assert f"UNEXPLAINED {SEND}" in report.text()


def test_a_reason_keeps_an_unused_grant_without_failing():
    # Given
    runs = [run([ingest("dynamodb:PutItem", TABLE)])]

    # When
    report = grants.report(runs, {SEND: "queued by a test that runs elsewhere"})

    # Then
    assert not report.failed
    assert f"kept {SEND}: queued by a test that runs elsewhere" in report.text()


@pytest.mark.parametrize(
    "reason",
    [PUT, "IngestFunctionRole sqs:DeleteQueue !GetAtt WebhookQueue.Arn"],
    ids=["grant used", "grant gone"],
)
def test_a_reason_for_a_grant_used_or_gone_is_stale_and_fails(reason: str):
    # Given
    runs = [run([ingest("dynamodb:PutItem", TABLE), ingest("sqs:SendMessage", QUEUE)])]

    # When
    report = grants.report(runs, {reason: "no longer true"})

    # Then
    assert report.stale == [reason]
    assert report.failed


def test_a_reason_for_any_resource_of_an_action_keeps_each_of_its_grants():
    # Given a run that used neither grant, and one reason for every resource of one action
    runs = [run([])]
    any_queue = "IngestFunctionRole sqs:SendMessage *"

    # When
    report = grants.report(runs, {any_queue: "queued elsewhere", PUT: "stored elsewhere"})

    # Then the grant of that action is kept with it, and the reason is not stale
    assert report.unused == {SEND: "queued elsewhere", PUT: "stored elsewhere"}
    assert report.stale == []
    assert not report.failed


def test_a_reason_for_any_resource_of_an_action_every_call_used_is_stale():
    # Given a run that used both grants
    runs = [run([ingest("dynamodb:PutItem", TABLE), ingest("sqs:SendMessage", QUEUE)])]

    # When
    report = grants.report(runs, {"IngestFunctionRole sqs:SendMessage *": "no longer true"})

    # Then
    assert report.stale == ["IngestFunctionRole sqs:SendMessage *"]
    assert report.failed


def test_a_refused_call_fails_the_report_whatever_the_grants():
    # Given every grant used, and one call refused
    checks = [
        ingest("dynamodb:PutItem", TABLE),
        ingest("sqs:SendMessage", QUEUE),
        ingest("s3:PutObject", "arn:aws:s3:::bucket/payloads/1", allowed=False),
    ]

    # When
    report = grants.report([run(checks)], {})

    # Then
    assert report.unused == {}
    assert [(c.action, c.allowed) for c in report.refused] == [("s3:PutObject", False)]
    assert report.failed


def test_a_grant_is_used_by_a_call_of_any_run_on_that_runs_resource():
    # Given two runs whose tables have other names: the second one stores
    second = "arn:aws:dynamodb:us-east-1:123456789012:table/local-Messages-OTHER"
    runs = [
        run([ingest("sqs:SendMessage", QUEUE)]),
        run([ingest("dynamodb:PutItem", second)], table=second),
    ]

    # When
    report = grants.report(runs, {})

    # Then
    assert report.unused == {}
    assert not report.failed


@pytest.mark.parametrize(
    ("principal", "counted"),
    [
        ("arn:aws:sts::123456789012:assumed-role/OtherRole/other", False),
        ("arn:aws:iam::123456789012:user/someone", False),
        ("arn:aws:sts::123456789012:assumed-role/IngestFunctionRole/local-IngestFunction", True),
    ],
)
def test_only_the_roles_own_calls_use_its_grants(principal: str, counted: bool):
    # Given
    checks = [[principal, "sqs:SendMessage", QUEUE, True], ingest("dynamodb:PutItem", TABLE)]

    # When
    report = grants.report([run(checks)], {})

    # Then
    assert (SEND not in report.unused) is counted


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("arn:aws:s3:::bucket/payloads/*", "arn:aws:s3:::bucket/payloads/a/b", True),
        ("arn:aws:s3:::bucket/payloads/*", "arn:aws:s3:::bucket/other/a", False),
        ("arn:aws:s3:::bucket/payloads/?", "arn:aws:s3:::bucket/payloads/ab", False),
        ("arn:aws:sqs:*:*:queue.fifo", "arn:aws:sqs:us-east-1:1:queueXfifo", False),
        ("arn:aws:sqs:us-east-1:1:Queue", "arn:aws:sqs:us-east-1:1:queue", False),
    ],
)
def test_resources_match_as_iam_matches_them(pattern: str, value: str, matches: bool):
    # Given
    grant = grants.Grant("Role", "s*:*", "as written", (pattern,))

    # When
    allowed = grant.allows("SQS:SendMessage", value)

    # Then (wildcards only where written, case-sensitive ARNs, case-insensitive actions)
    assert allowed is matches


def test_a_roles_grants_come_from_its_own_attached_and_naming_policies_as_written():
    # Given a role with an inline policy, a managed policy of the template and a policy
    # naming it whose statement a false condition left out (null, as moto evaluates it)
    resources = {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Action": ["sqs:SendMessage"],
                                    "Resource": {"Fn::GetAtt": ["Queue", "Arn"]},
                                }
                            ]
                        }
                    }
                ],
                "ManagedPolicyArns": [{"Ref": "Shared"}],
            },
        },
        "Shared": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Action": "ssm:GetParametersByPath",
                            "Resource": {"Fn::Sub": "arn:aws:ssm:::parameter/${AWS::StackName}/*"},
                        }
                    ]
                }
            },
        },
        "Actions": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Fn::If": [
                                "AllowsTopics",
                                {"Action": "sns:Publish", "Resource": {"Ref": "Topics"}},
                                {"Ref": "AWS::NoValue"},
                            ]
                        }
                    ]
                }
            },
        },
    }
    evaluated = {
        "Role": {"Policies": [{"PolicyDocument": {"Statement": [
            {"Action": ["sqs:SendMessage"], "Resource": QUEUE}]}}], "ManagedPolicyArns": ["Shared"]},
        "Shared": {"PolicyDocument": {"Statement": [
            {"Action": "ssm:GetParametersByPath", "Resource": "arn:aws:ssm:::parameter/local/*"}]}},
        "Actions": {"Roles": ["Role"], "PolicyDocument": {"Statement": [None]}},
    }  # fmt: skip

    # When
    found = grants.grants(resources, evaluated)

    # Then
    assert sorted(found, key=lambda g: g.key) == [
        grants.Grant("Role", "sqs:SendMessage", "!GetAtt Queue.Arn", (QUEUE,)),
        grants.Grant(
            "Role",
            "ssm:GetParametersByPath",
            "!Sub arn:aws:ssm:::parameter/${AWS::StackName}/*",
            ("arn:aws:ssm:::parameter/local/*",),
        ),
    ]


def test_a_managed_policy_no_role_takes_is_proven_as_a_role_of_its_name():
    # Given a policy for callers outside the stack (the admin API's, per operator role)
    resources = {
        "ViewerPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Action": "execute-api:Invoke",
                            "Resource": {"Fn::Sub": "${AdminApi}/GET/*"},
                        }
                    ]
                }
            },
        },
    }
    evaluated = {"ViewerPolicy": {"PolicyDocument": {"Statement": [
        {"Action": "execute-api:Invoke", "Resource": "AdminApi/GET/*"}]}}}  # fmt: skip

    # When
    found = grants.grants(resources, evaluated)

    # Then
    assert found == [
        grants.Grant(
            "ViewerPolicy", "execute-api:Invoke", "!Sub ${AdminApi}/GET/*", ("AdminApi/GET/*",)
        )
    ]
