"""`webhooks test`: the request sent to `POST /test`, the result shown, the exit code."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cli import samples
from tests.integration.cli.fake_api import FakeAdminApi
from tests.integration.cli.harness import Run

RESULT = {
    "status": "FAILED",
    "provider": "GitHub",
    "message": "deploying",
    "evaluations": [
        samples.evaluation("Jira", False, error="NameError: x"),
        samples.evaluation("GitHub", True),
    ],
    "executions": [samples.execution("deploy", "FAILED", error="boom (line 2)", error_line=2)],
    "actions": [
        {
            "function": "deploy",
            "kind": "aws",
            "call": "codebuild:StartBuild project=web",
            "outcome": "would call",
            "status": None,
            "detail": None,
            "duration_ms": 0.2,
            "at": "2026-11-30T10:00:00Z",
        }
    ],
    "response": {"status": 200, "headers": {}, "body": "ok"},
}


def test_posts_the_request_and_a_draft_config(api: FakeAdminApi, run: Run, tmp_path: Path) -> None:
    # Given
    draft = tmp_path / "draft.yaml"
    draft.write_text("providers:\n  - name: GitHub\n    match_script: return True\n")
    api.admin("POST", "/test", {**RESULT, "status": "SUCCESS"})

    # When
    result = run(
        "test", "--uri", "/git/push", "--query", "a=1", "--header", "X-GitHub-Event: push",
        "--body", '{"ref": "main"}', "--config", str(draft),
    )  # fmt: skip

    # Then
    assert result.code == 0
    assert api.sent("POST", "/test")[0].json() == {
        "method": "POST",
        "uri": "git/push",
        "query": "a=1",
        "headers": {"X-GitHub-Event": "push"},
        "body": '{"ref": "main"}',
        "config": {"providers": [{"name": "GitHub", "match_script": "return True"}]},
    }


def test_inherit_secrets_is_asked_for_explicitly(
    api: FakeAdminApi, run: Run, tmp_path: Path
) -> None:
    # Given a draft leaving a secret value out
    draft = tmp_path / "draft.yaml"
    draft.write_text("providers:\n  - name: GitHub\n    match_script: return True\n")
    api.admin("POST", "/test", {**RESULT, "status": "SUCCESS"})

    # When it is tested with --inherit-secrets
    run("test", "--uri", "git/push", "--config", str(draft), "--inherit-secrets")

    # Then the request asks for the stored secrets
    assert api.sent("POST", "/test")[0].json()["inherit_secrets"] is True


def test_shows_evaluations_executions_and_actions_and_exits_1_unless_success(
    api: FakeAdminApi, run: Run
) -> None:
    # Given
    api.admin("POST", "/test", RESULT)

    # When
    result = run("test", "--uri", "git/push")

    # Then
    assert result.code == 1
    assert "Status:    FAILED" in result.out
    assert "! Jira  no match  0.4 ms\n      error: NameError: x" in result.out
    assert "FAILED  deploy  #1  12.5 ms  script v2\n      error: boom (line 2)\n" in result.out
    assert "Actions (checked, not performed)" in result.out
    assert "deploy    aws codebuild:StartBuild project=web  would call" in result.out
    assert 'Answer to a waiting sender\n  {"status": 200' in result.out


def test_a_binary_body_is_sent_as_base64(api: FakeAdminApi, run: Run, tmp_path: Path) -> None:
    # Given
    body = tmp_path / "body.bin"
    body.write_bytes(b"\xff\x00")
    api.admin("POST", "/test", RESULT)

    # When
    run("test", "--uri", "x", "--body", f"@{body}")

    # Then
    sent = api.sent("POST", "/test")[0].json()
    assert sent["body_base64"] == "/wA="
    assert "body" not in sent


def test_says_why_it_did_not_match_and_which_secrets_it_left_out(
    api: FakeAdminApi, run: Run
) -> None:
    # Given a dry run of a draft whose secret has no value, which matched nothing
    why = "no provider matched: GitHub: verify.github: x-hub-signature-256 does not match"
    api.admin(
        "POST",
        "/test",
        RESULT | {"status": "UNMATCHED", "reason": why, "secrets_left_out": ["GitHub/SECRET"]},
    )

    # When its table is shown (not only its --json)
    result = run("test", "--uri", "git/push")

    # Then both are there
    assert f"Reason:    {why}\n" in result.out
    assert "Left out:  GitHub/SECRET (secrets without a value: empty here)\n" in result.out
