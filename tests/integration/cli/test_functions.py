"""`webhooks functions ...`: names as `Provider/Function name`, provider names resolved."""

from __future__ import annotations

import pytest

from tests.integration.cli import samples
from tests.integration.cli.fake_api import FakeAdminApi
from tests.integration.cli.harness import Run

PUSH = samples.function("GitHub", "GitHub - git/push")
GITLAB_PUSH = samples.function("GitLab", "push", id="f-gitlab-push")
GITHUB_PUSH = samples.function("GitHub", "push", id="f-github-push")
PAGE = {"items": [PUSH, GITLAB_PUSH, GITHUB_PUSH]}


def test_show_accepts_provider_slash_name_with_a_slash_in_the_name(
    api: FakeAdminApi, run: Run
) -> None:
    # Given
    api.admin("GET", "/functions", PAGE)
    api.admin("GET", "/functions/f-github-git-push", PUSH)

    # When
    result = run("functions", "show", "GitHub/GitHub - git/push")

    # Then
    assert result.code == 0
    assert "URI:          git/push" in result.out
    assert "Script\n  log.info('hi')" in result.out


def test_an_ambiguous_name_is_a_usage_error(api: FakeAdminApi, run: Run) -> None:
    # Given two providers have a function named push
    api.admin("GET", "/functions", PAGE)

    # When
    ambiguous = run("functions", "disable", "push")
    qualified = run("functions", "show", "GitLab/push")

    # Then
    assert ambiguous.code == 2
    assert "ambiguous" in ambiguous.err
    assert qualified.code == 3  # found, then GET /functions/f-gitlab-push has no route
    assert len(api.sent("GET", "/functions/f-gitlab-push")) == 1


def test_list_filters_by_provider(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/functions", {"items": [GITLAB_PUSH]})

    # When
    result = run("functions", "list", "--provider", "GitLab")

    # Then
    assert api.sent("GET", "/functions")[0].query == {"provider": "GitLab"}
    assert result.out.splitlines()[1].split()[:3] == ["GitLab", "push", "git/push"]


def test_create_resolves_the_provider_id(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/providers", {"items": [samples.provider("GitHub")]})
    api.admin("POST", "/functions", GITHUB_PUSH, 201)

    # When
    result = run(
        "functions", "create", "--provider", "GitHub", "--name", "push", "--uri", "git/push",
        "--script", "log.info('x')",
    )  # fmt: skip

    # Then
    assert result.out == "created function GitHub/push (f-github-push)\n"
    assert api.sent("POST", "/functions")[0].json() == {
        "provider_id": "p-github",
        "name": "push",
        "uri": "git/push",
        "script": "log.info('x')",
    }


@pytest.mark.parametrize(("flag", "sync"), [("--sync", True), ("--no-sync", False)])
def test_edit_switches_sync(api: FakeAdminApi, run: Run, flag: str, sync: bool) -> None:
    # Given
    api.admin("GET", "/functions", PAGE)
    api.admin("PATCH", "/functions/f-github-push", {**GITHUB_PUSH, "sync": sync})

    # When
    result = run("functions", "edit", "GitHub/push", flag)

    # Then only `sync` is sent, and `show` would say it
    assert result.code == 0
    assert api.sent("PATCH", "/functions/f-github-push")[0].json() == {"sync": sync}


def test_edit_sends_only_the_given_fields(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/functions", PAGE)
    api.admin("PATCH", "/functions/f-github-push", {**GITHUB_PUSH, "uri": "git/tag"})

    # When
    result = run("functions", "edit", "GitHub/push", "--uri", "git/tag", "--active")

    # Then
    assert result.out == "updated function GitHub/push (f-github-push)\n"
    assert api.sent("PATCH", "/functions/f-github-push")[0].json() == {
        "uri": "git/tag",
        "active": True,
    }
