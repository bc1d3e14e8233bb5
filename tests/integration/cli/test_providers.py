"""`webhooks providers ...` against the fake admin API."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli import samples
from tests.integration.cli.fake_api import FakeAdminApi
from tests.integration.cli.harness import Run

GITHUB = samples.provider(
    "GitHub",
    0,
    properties={
        "TOKEN": {"value": "***", "secret": True},
        "ORG": {"value": "acme", "secret": False},
    },
    function_count=2,
)
JIRA = samples.provider("Jira", 1, description="issue events")
SLACK = samples.provider("Slack", 2, active=False)
PAGE = {"items": [GITHUB, JIRA, SLACK]}


def test_list_prints_an_aligned_table(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)

    # When
    result = run("providers", "list")

    # Then
    lines = result.out.splitlines()
    assert lines[0].split() == [
        "POS", "NAME", "ACTIVE", "FUNCTIONS", "VERSION", "UPDATED", "ID", "DESCRIPTION",
    ]  # fmt: skip
    assert [line.split()[1] for line in lines[1:]] == ["GitHub", "Jira", "Slack"]
    assert len({line.index("p-") for line in lines[1:]}) == 1  # the ID column is aligned
    assert lines[3].split()[2] == "no"


def test_list_json_prints_the_api_answer(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)

    # When
    result = run("--json", "providers", "list")

    # Then
    assert json.loads(result.out) == PAGE


def test_show_resolves_a_name_and_masks_secrets(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("GET", "/providers/p-github", GITHUB)

    # When
    result = run("providers", "show", "GitHub")

    # Then
    assert result.code == 0
    assert "ID:           p-github" in result.out
    assert "TOKEN  ***" in result.out
    assert "Match script\n  return True" in result.out


def test_an_unknown_name_exits_3(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)

    # When
    result = run("providers", "show", "Nope")

    # Then
    assert result.code == 3
    assert result.err == "error: no provider 'Nope'\n"


def test_create_sends_the_given_fields(api: FakeAdminApi, run: Run, tmp_path: Path) -> None:
    # Given
    script = tmp_path / "match.py"
    script.write_text("return headers.get('x-github-event') is not None\n")
    api.admin("POST", "/providers", samples.provider("GitHub"), 201)

    # When
    result = run(
        "providers", "create", "--name", "GitHub", "--match-script", f"@{script}",
        "--property", "ORG=acme", "--secret", "TOKEN=abc=def", "--inactive", "--position", "0",
    )  # fmt: skip

    # Then
    assert result.code == 0
    assert result.out == "created provider GitHub (p-github)\n"
    assert api.sent("POST", "/providers")[0].json() == {
        "name": "GitHub",
        "match_script": script.read_text(),
        "position": 0,
        "active": False,
        "properties": {
            "ORG": {"value": "acme", "secret": False},
            "TOKEN": {"value": "abc=def", "secret": True},
        },
    }


def test_edit_patches_only_what_was_given(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("PATCH", "/providers/p-github", GITHUB)

    # When
    result = run("providers", "edit", "GitHub", "--description", "from GitHub")

    # Then
    assert result.code == 0
    assert api.sent("PATCH", "/providers/p-github")[0].json() == {"description": "from GitHub"}


def test_edit_merges_properties_keeping_stored_secrets(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("PATCH", "/providers/p-github", GITHUB)

    # When
    result = run("providers", "edit", "p-github", "--property", "ORG=globex", "--property", "X=1")

    # Then the stored secret is sent without a value, so that it is kept
    assert result.code == 0
    assert api.sent("PATCH", "/providers/p-github")[0].json() == {
        "properties": {
            "TOKEN": {"secret": True},
            "ORG": {"value": "globex", "secret": False},
            "X": {"value": "1", "secret": False},
        }
    }


def test_edit_can_remove_a_property(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("PATCH", "/providers/p-github", GITHUB)

    # When
    run("providers", "edit", "GitHub", "--remove-property", "ORG")

    # Then
    sent = api.sent("PATCH", "/providers/p-github")[0].json()
    assert sent == {"properties": {"TOKEN": {"secret": True}}}


def test_disable_patches_active(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("PATCH", "/providers/p-jira", {**JIRA, "active": False})

    # When
    result = run("providers", "disable", "Jira")

    # Then
    assert result.out == "disabled provider Jira\n"
    assert api.sent("PATCH", "/providers/p-jira")[0].json() == {"active": False}


def test_delete_with_cascade(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("DELETE", "/providers/p-github", None, 204)

    # When
    result = run("providers", "delete", "GitHub", "--cascade")

    # Then
    assert result.code == 0
    assert result.out == "deleted provider GitHub (p-github)\n"
    assert api.sent("DELETE", "/providers/p-github")[0].query == {"cascade": "true"}


def test_delete_conflict_exits_4(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    error = {"error": {"code": "conflict", "message": "provider GitHub has 2 functions"}}
    api.admin("DELETE", "/providers/p-github", error, 409)

    # When
    result = run("providers", "delete", "GitHub")

    # Then
    assert result.code == 4
    assert result.err == "error: provider GitHub has 2 functions\n"
    assert api.sent("DELETE", "/providers/p-github")[0].query == {}


def test_order_puts_the_named_first_and_keeps_the_rest(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    api.admin("PUT", "/providers/order", {"items": [SLACK, GITHUB, JIRA]})

    # When
    result = run("providers", "order", "Slack", "p-github")

    # Then
    assert result.code == 0
    assert api.sent("PUT", "/providers/order")[0].json() == {
        "ids": ["p-slack", "p-github", "p-jira"]
    }
    assert [line.split()[1] for line in result.out.splitlines()[1:]] == ["Slack", "GitHub", "Jira"]


def test_versions_prints_one_script(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", PAGE)
    history = {
        "items": [
            {"version": 2, "script": "return False\n", "saved_at": "2026-05-02T10:00:00+00:00"},
            {"version": 1, "script": "return True\n", "saved_at": "2026-05-01T10:00:00+00:00"},
        ]
    }
    api.admin("GET", "/providers/p-jira/versions", history)

    # When
    table = run("providers", "versions", "Jira")
    one = run("providers", "versions", "Jira", "--version", "1")

    # Then
    assert [line.split()[0] for line in table.out.splitlines()] == ["VERSION", "2", "1"]
    assert one.out == "return True\n"
