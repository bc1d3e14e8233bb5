"""The example configuration's push-to-build function through the real handlers, on moto: a
signed GitHub push to `git/push?project=NAME` starts CodeBuild project NAME at the pushed
commit when the deployment lists it, and is refused, recorded, when it does not."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.codebuild import create_project
from tests.conftest import http_event
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import ingest, signed, stored
from webhook_engine import wiring
from webhook_engine.actions.aws_overrides import OVERRIDES
from webhook_engine.domain.models import ActionOutcome, ExecutionStatus, Status
from webhooks_testbed.template import LOCAL_DEFAULTS

REPO = Path(__file__).parents[2]
EXAMPLE = (REPO / "examples" / "config.yaml").read_text()
SECRET = "change-me"  # the example's GitHub secret
PUSH = (REPO / "tests" / "events" / "github_push.json").read_bytes()
AFTER = json.loads(PUSH)["after"]
PROJECT_ARN = "arn:aws:codebuild:us-east-1:123456789012:project/build-web"
BUILD = "GitHub - git/push - build"


@pytest.fixture
def project(stack, monkeypatch: pytest.MonkeyPatch) -> str:
    """CodeBuild project build-web in the stack's moto, listed in ActionBuildProjectArns, with
    the overrides the example's build function makes allowed, as the local stack allows them."""
    create_project(boto3.client("codebuild", region_name="us-east-1"))
    monkeypatch.setenv("ACTION_BUILD_PROJECT_ARNS", PROJECT_ARN)
    for override in OVERRIDES:
        monkeypatch.setenv(override.setting.upper(), LOCAL_DEFAULTS[override.parameter])
    wiring.reset()
    return "build-web"


def builds() -> list[dict]:
    codebuild = boto3.client("codebuild", region_name="us-east-1")
    ids = codebuild.list_builds_for_project(projectName="build-web")["ids"]
    return codebuild.batch_get_builds(ids=ids)["builds"] if ids else []


def push(configure, context, query: str, sync: bool = False):
    configure(EXAMPLE)
    headers = signed(PUSH, SECRET) | ({"flex-sync-webhook": "true"} if sync else {})
    status, body = ingest(http_event("git/push", PUSH, headers=headers, query=query), context)
    if not sync:
        drain_queue(context)
    detail = stored(body["message_id"])
    [execution] = [e for e in detail.executions if e.function == BUILD]
    return status, detail, execution


def test_a_push_builds_the_listed_project_at_the_pushed_commit(project, configure, lambda_context):
    # When GitHub pushes to git/push?project=build-web
    _, detail, execution = push(configure, lambda_context, f"project={project}")

    # Then one build of the pushed commit, and the execution records the call
    [build] = builds()
    assert build["sourceVersion"] == AFTER
    assert detail.message.status is Status.SUCCESS
    [action] = execution.actions
    assert (action.kind, action.outcome) == ("aws", ActionOutcome.DONE)
    assert action.call == (
        f"codebuild:StartBuild project=build-web source-version={AFTER} "
        "env=GIT_REF,WEBHOOK_MESSAGE_ID"
    )
    assert f"started {build['id']} at {AFTER[:7]}" in [entry.message for entry in execution.logs]


def test_a_synchronous_push_builds_from_ingest(project, configure, lambda_context):
    # When the push waits for its outcome (the functions run in ingest)
    status, _, execution = push(configure, lambda_context, f"project={project}", sync=True)

    # Then
    assert status == 200
    assert execution.status is ExecutionStatus.SUCCESS
    assert [build["sourceVersion"] for build in builds()] == [AFTER]


def test_a_push_naming_an_unlisted_project_fails_its_execution_only(
    project, configure, lambda_context
):
    # When the URL names a project the deployment does not list
    _, detail, execution = push(configure, lambda_context, "project=build-api")

    # Then no build, the refusal is the execution's error, the other function succeeded
    assert builds() == []
    assert execution.status is ExecutionStatus.FAILED
    assert "aws.start_build: project build-api is not listed in ActionBuildProjectArns" in (
        execution.error or ""
    )
    assert execution.actions[0].outcome is ActionOutcome.REFUSED
    assert detail.message.status is Status.FAILED
    [other] = [e for e in detail.executions if e.function != BUILD]
    assert other.status is ExecutionStatus.SUCCESS


def test_a_push_is_refused_its_overrides_where_the_deployment_allows_none(
    project, configure, lambda_context, monkeypatch: pytest.MonkeyPatch
):
    # Given the template's defaults: the project listed, no override allowed
    for override in OVERRIDES:
        monkeypatch.setenv(override.setting.upper(), "")
    wiring.reset()

    # When GitHub pushes
    _, _, execution = push(configure, lambda_context, f"project={project}")

    # Then nothing is built, and the refusal names the variable and the parameter
    assert builds() == []
    assert execution.error == (
        "ActionRefused: aws.start_build: environment variable GIT_REF is not allowed by "
        "ActionBuildEnvironmentVariables (line 11)"
    )


def test_a_push_without_a_project_builds_nothing(project, configure, lambda_context):
    # When
    _, detail, execution = push(configure, lambda_context, "projectId=123")

    # Then
    assert builds() == []
    assert (detail.message.status, execution.actions) == (Status.SUCCESS, [])


def test_a_dry_run_says_what_it_would_call_and_calls_nothing(project, configure):
    # Given the example stored, and a signed push to test
    configure(EXAMPLE)
    request = {
        "uri": "git/push",
        "query": f"project={project}",
        "headers": signed(PUSH, SECRET),
        "body": PUSH.decode(),
    }

    # When it is tested, then tested naming an unlisted project
    _, listed = call("POST", "/test", request)
    _, unlisted = call("POST", "/test", request | {"query": "project=build-api"})

    # Then the call is described and checked against the list, never made
    [would] = next(e for e in listed["executions"] if e["function"] == BUILD)["actions"]
    assert (would["call"], would["outcome"]) == (
        f"codebuild:StartBuild project=build-web source-version={AFTER} "
        "env=GIT_REF,WEBHOOK_MESSAGE_ID",
        "would call",
    )
    [refused] = next(e for e in unlisted["executions"] if e["function"] == BUILD)["actions"]
    assert refused["outcome"] == "refused"
    assert "not listed in ActionBuildProjectArns" in refused["detail"]
    assert builds() == []
