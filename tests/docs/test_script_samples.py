"""Every `python` block of the docs is a script: compiled as the engine compiles a saved script,
then run in a dry run (the real sandbox and script processes, every `http`, `aws` and `respond`
call checked against the deployment's allow-lists, nothing performed), as `POST /test` runs it.

The request is a GitHub push to `git/push?project=build-web`, signed with the provider's
`SECRET` (`change-me`, as in examples/config.yaml)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import EVENTS
from tests.docs.samples import Block, samples
from tests.fakes import FakeConfigStore, FakeSecretStore
from webhook_engine import wiring
from webhook_engine.config.document import ConfigDocument
from webhook_engine.domain.models import ExecutionStatus, IncomingRequest, Status
from webhook_engine.operations.dry_run import dry_run
from webhook_engine.pipeline.matching import Limits, Result
from webhook_engine.sandbox import ScriptCompileError, compile_script
from webhook_engine.settings import get_settings

SECRET = "change-me"
# The deployment the samples assume: what each `aws` call names is listed, as a stack owner
# lists it (docs/security.md, "AWS actions").
DEPLOYMENT = {
    "ACTION_EVENT_BUS_ARNS": "arn:aws:events:eu-west-1:123456789012:event-bus/default",
    "ACTION_QUEUE_ARNS": "arn:aws:sqs:eu-west-1:123456789012:jobs",
    "ACTION_TOPIC_ARNS": "arn:aws:sns:eu-west-1:123456789012:releases",
    "ACTION_STATE_MACHINE_ARNS": "arn:aws:states:eu-west-1:123456789012:stateMachine:release",
    "ACTION_BUILD_PROJECT_ARNS": "arn:aws:codebuild:eu-west-1:123456789012:project/build-web",
    "ACTION_PIPELINE_ARNS": "arn:aws:codepipeline:eu-west-1:123456789012:deploy-web",
    "ACTION_FUNCTION_ARNS": "arn:aws:lambda:eu-west-1:123456789012:function:enrich",
    "ACTION_BUILD_ENVIRONMENT_VARIABLES": "GIT_REF,WEBHOOK_MESSAGE_ID",
    "ACTION_BUILD_SOURCE_VERSIONS": "[0-9a-f]{40}",
}
LIMITS = Limits(match_timeout=2.0, function_timeout=30.0)
PASS = "return True"
SCRIPTS = samples("python")


def github_push() -> IncomingRequest:
    body = (EVENTS / "github_push.json").read_bytes()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return IncomingRequest(
        request_id="docs",
        method="POST",
        uri="git/push",
        query_string="project=build-web",
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "push",
            "X-Hub-Signature-256": "sha256=" + signature,
        },
        body=body,
        source_ip="192.0.2.1",
        received_at=datetime.now(UTC),
    )


def draft(match_script: str, script: str) -> ConfigDocument:
    provider: dict[str, Any] = {
        "name": "Docs",
        "properties": {"SECRET": {"value": SECRET, "secret": True}, "ORG": "acme"},
        "match_script": match_script,
        "functions": [{"name": "sample", "uri": "git/push", "script": script}],
    }
    return ConfigDocument.parse({"providers": [provider]})


@pytest.fixture
def toolkit(monkeypatch):
    """The toolkit a container builds from the settings, for the deployment above."""
    for name, value in DEPLOYMENT.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    wiring.reset()
    yield wiring.toolkit()
    get_settings.cache_clear()
    wiring.reset()


def dry_run_of(block: Block, toolkit) -> Result:
    match = "match" in block.words
    document = draft(block.text if match else PASS, PASS if match else block.text)
    return dry_run(github_push(), document, FakeConfigStore(), FakeSecretStore(), LIMITS, toolkit)


@pytest.mark.parametrize("block", SCRIPTS, ids=[b.where for b in SCRIPTS])
def test_each_script_sample_runs_as_the_page_says(block: Block, toolkit):
    # Given a script of the docs, and the error the page says it raises, if any
    raises = block.option("raises")
    if raises == "SyntaxError":
        # When it is saved, Then it is refused
        with pytest.raises(ScriptCompileError):
            compile_script(block.text, block.where)
        return
    compile_script(block.text, block.where)

    # When it runs in a dry run
    result = dry_run_of(block, toolkit)

    # Then it matched, and its run ended as the page says
    [evaluation] = result.evaluations
    assert (evaluation.matched, evaluation.error) == (True, None), evaluation.logs
    [execution] = result.executions
    if raises is None:
        assert (execution.status, execution.error) == (ExecutionStatus.SUCCESS, None)
        assert result.status == Status.SUCCESS
    else:
        assert execution.status == ExecutionStatus.FAILED
        assert (execution.error or "").startswith(raises + ":"), execution.error


def test_the_pages_hold_script_samples_of_both_kinds():
    # Given / When
    kinds = {"match" in block.words for block in SCRIPTS}

    # Then
    assert kinds == {True, False}
