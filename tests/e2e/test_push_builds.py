"""The seed's own case through `make serve`: a signed GitHub push to
`git/push?project=build-web` starts that CodeBuild project (in the local moto) at the pushed
commit, once `WEBHOOKS_ACTION_BUILD_PROJECT_ARNS` lists it; another project is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.codebuild import create_project
from tests.e2e.conftest import TOKEN, Client
from tests.e2e.test_local_stack import PUSH, github_headers, processed
from webhooks_local.aws import local_session
from webhooks_local.child import serving

pytestmark = pytest.mark.e2e

PROJECT_ARN = "arn:aws:codebuild:us-east-1:123456789012:project/build-web"
BUILD = "GitHub - git/push - build"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, Any]]:
    """A local stack with build-web listed and created; its client, and moto's CodeBuild."""
    directory = tmp_path_factory.mktemp("push-builds")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBHOOKS_ACTION_BUILD_PROJECT_ARNS", PROJECT_ARN)
        with serving(directory, TOKEN) as port:
            endpoint = json.loads((directory / "stack.json").read_text())["moto_endpoint"]
            codebuild = local_session().client("codebuild", endpoint_url=endpoint)
            create_project(codebuild)
            yield Client(f"http://127.0.0.1:{port}", directory / "stack.json"), codebuild


def build_execution(message: dict[str, Any]) -> dict[str, Any]:
    [execution] = [e for e in message["executions"] if e["function"] == BUILD]
    return execution


def test_a_push_starts_the_listed_project_at_the_pushed_commit(stack):
    # Given
    client, codebuild = stack
    after = json.loads(PUSH)["after"]

    # When GitHub pushes
    answer = client.request(
        "POST", "/webhooks/git/push?project=build-web", PUSH, github_headers(PUSH)
    )

    # Then the build of that commit exists in moto, and the execution records the call
    message = processed(client, answer.json()["message_id"])
    assert message["status"] == "SUCCESS"
    [build_id] = codebuild.list_builds_for_project(projectName="build-web")["ids"]
    [build] = codebuild.batch_get_builds(ids=[build_id])["builds"]
    assert build["sourceVersion"] == after
    [action] = build_execution(message)["actions"]
    assert (action["kind"], action["outcome"]) == ("aws", "done")
    assert action["call"].startswith(
        f"codebuild:StartBuild project=build-web source-version={after}"
    )


def test_a_push_naming_an_unlisted_project_is_refused(stack):
    # Given
    client, codebuild = stack
    before = codebuild.list_builds_for_project(projectName="build-web")["ids"]

    # When
    headers = github_headers(PUSH) | {"flex-sync-webhook": "true"}
    answer = client.request("POST", "/webhooks/git/push?project=build-api", PUSH, headers)

    # Then the function failed with the refusal, and nothing was built
    assert answer.status == 500
    message = processed(client, answer.json()["message_id"])
    execution = build_execution(message)
    assert "project build-api is not listed in ActionBuildProjectArns" in execution["error"]
    assert codebuild.list_builds_for_project(projectName="build-web")["ids"] == before
