"""`webhooks export` and `webhooks apply`."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cli.fake_api import FakeAdminApi, Reply
from tests.integration.cli.harness import Run

DOCUMENT = """\
providers:
  - name: GitHub
    match_script: return True
    functions:
      - name: git-push
        uri: git/push
        script: log.info("push")
"""
PLAN = {
    "changes": [
        {"action": "create", "kind": "provider", "name": "GitHub", "provider": None, "fields": []},
        {
            "action": "update",
            "kind": "function",
            "name": "git-push",
            "provider": "GitHub",
            "fields": ["script", "uri"],
        },
        {"action": "delete", "kind": "provider", "name": "Old", "provider": None, "fields": []},
        {"action": "reorder", "kind": "provider", "name": "Jira", "provider": None, "fields": []},
    ],
    "applied": False,
}


def test_apply_dry_run_sends_the_yaml_and_prints_the_plan(
    api: FakeAdminApi, run: Run, tmp_path: Path
) -> None:
    # Given
    config = tmp_path / "config.yaml"
    config.write_text(DOCUMENT)
    api.admin("PUT", "/config", PLAN)

    # When
    result = run("apply", "-f", str(config), "--dry-run", "--prune")

    # Then
    assert result.code == 0
    assert result.out.splitlines() == [
        "+ create provider GitHub",
        "~ update function GitHub/git-push (script, uri)",
        "- delete provider Old",
        "↕ reorder provider Jira",
        "(dry run: nothing changed)",
    ]
    sent = api.sent("PUT", "/config")[0]
    assert sent.query == {"dry_run": "true", "prune": "true"}
    assert sent.headers["content-type"] == "application/yaml"
    assert sent.body.decode() == DOCUMENT


def test_apply_without_changes(api: FakeAdminApi, run: Run, tmp_path: Path) -> None:
    # Given
    config = tmp_path / "config.yaml"
    config.write_text(DOCUMENT)
    api.admin("PUT", "/config", {"changes": [], "applied": True})

    # When
    result = run("apply", "--file", str(config))

    # Then
    assert result.out == "no changes\n"
    assert api.sent("PUT", "/config")[0].query == {}


def test_apply_a_missing_file_is_a_usage_error(api: FakeAdminApi, run: Run) -> None:
    # When
    result = run("apply", "-f", "/nonexistent/config.yaml")

    # Then
    assert result.code == 2
    assert "cannot read /nonexistent/config.yaml" in result.err
    assert api.requests == []


def test_export_prints_the_yaml_verbatim(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.route("GET", "/admin/v1/config", lambda _: Reply(200, DOCUMENT, "application/yaml"))

    # When
    result = run("export")

    # Then
    assert result.out == DOCUMENT
    assert api.sent("GET", "/config")[0].query == {"format": "yaml"}


def test_export_json(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/config", {"providers": []})

    # When
    result = run("export", "--format", "json")

    # Then
    assert result.out == '{\n  "providers": []\n}\n'
    assert api.sent("GET", "/config")[0].query == {"format": "json"}
