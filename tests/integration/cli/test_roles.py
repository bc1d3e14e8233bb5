"""The CLI acts as a role: `--role` / WEBHOOKS_ROLE take that role's token from the local
stack's state file, `--token` sends a given one; `whoami` says who the API takes it for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.cli.fake_api import FakeAdminApi
from tests.integration.cli.harness import TOKEN, Run

TOKENS = {"viewer": "jwt-v", "operator": "jwt-o", "editor": "jwt-e"}


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"pid": 1, "tokens": TOKENS}), encoding="utf-8")
    monkeypatch.setenv("WEBHOOKS_LOCAL_STATE", str(path))
    return path


def _sent(api: FakeAdminApi) -> str:
    return api.sent("GET", "/whoami")[-1].headers["authorization"]


@pytest.mark.parametrize("role", sorted(TOKENS))
def test_role_sends_that_roles_token(api: FakeAdminApi, run: Run, state: Path, role: str):
    # Given
    api.admin("GET", "/whoami", {"principal": f"local-{role}", "kind": "jwt", "role": role,
                                 "email": None})  # fmt: skip

    # When
    result = run("whoami", "--role", role)

    # Then
    assert result.code == 0
    assert _sent(api) == f"Bearer {TOKENS[role]}"
    assert result.out.strip() == f"local-{role} (jwt): {role}"


def test_the_environment_names_the_role_and_a_token_wins_over_both(
    api: FakeAdminApi, run: Run, state: Path, monkeypatch: pytest.MonkeyPatch
):
    # Given
    api.admin("GET", "/whoami", {"principal": "p", "kind": "jwt", "role": "viewer", "email": "a@b"})
    monkeypatch.setenv("WEBHOOKS_ROLE", "operator")

    # When
    run("whoami")
    by_environment = _sent(api)
    run("whoami", "--token", "given")

    # Then
    assert by_environment == "Bearer jwt-o"
    assert _sent(api) == "Bearer given"


def test_without_a_role_the_admin_token_is_sent(api: FakeAdminApi, run: Run):
    # Given
    api.admin("GET", "/whoami", {"principal": "p", "kind": "iam", "role": "editor", "email": None})

    # When
    result = run("whoami")

    # Then
    assert _sent(api) == f"Bearer {TOKEN}"
    assert result.out.strip() == "p (iam): editor"


@pytest.mark.parametrize(
    ("contents", "code"),
    [(None, 6), ("not json", 6), (json.dumps({"tokens": {}}), 2)],
    ids=["no-stack", "unreadable", "no-such-role"],
)
def test_a_role_without_its_token_is_an_error(
    api: FakeAdminApi, run: Run, tmp_path: Path, monkeypatch, contents: str | None, code: int
):
    # Given
    path = tmp_path / "stack.json"
    if contents is not None:
        path.write_text(contents, encoding="utf-8")
    monkeypatch.setenv("WEBHOOKS_LOCAL_STATE", str(path))

    # When
    result = run("whoami", "--role", "viewer")

    # Then
    assert result.code == code
    assert "error:" in result.err
