"""Every admin route called through the local stack by every caller it knows: nobody, a
person of each role (the tokens `make serve` prints), and the admin token (the local IAM
user, an editor). Each answer is held to the route table."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from admin.roles import ROUTES, Role
from tests.e2e.conftest import TOKEN, Client, started

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A stack of this module's own: the matrix redrives and resubmits."""
    with started(tmp_path_factory.mktemp("roles-stack")) as client:
        yield client


def _callers(stack: Client) -> list[tuple[str, str | None, Role | None]]:
    tokens = json.loads(stack.state_path.read_text(encoding="utf-8"))["tokens"]
    people = [(role.name, tokens[role.name], role) for role in Role]
    return [("nobody", None, None), *people, ("admin-token", TOKEN, Role.editor)]


def test_the_stack_writes_a_token_per_role(stack: Client):
    # When
    state = json.loads(stack.state_path.read_text(encoding="utf-8"))

    # Then each is a JWT (three dot-separated parts) of its own
    assert sorted(state["tokens"]) == ["editor", "operator", "viewer"]
    assert all(token.count(".") == 2 for token in state["tokens"].values())
    assert len(set(state["tokens"].values())) == 3


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_answers_every_caller_by_the_table(stack: Client, route: str):
    # Given
    method, path = route.split(" ", 1)
    path = re.sub(r"\{\w+\}", "x-1", path)
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None

    for name, token, role in _callers(stack):
        headers = {"content-type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"

        # When
        answer = stack.request(method, f"/admin/v1{path}", body=body, headers=headers)

        # Then
        if role is None:
            assert answer.status == 401, name
        elif role < ROUTES[route]:
            assert answer.status == 403, name
            assert answer.json()["error"]["required_role"] == ROUTES[route].name, name
        else:
            assert answer.status not in (401, 403), (name, answer.status, answer.body)


@pytest.mark.parametrize("role", list(Role))
def test_whoami_tells_each_token_its_role(stack: Client, role: Role):
    # Given
    token = json.loads(stack.state_path.read_text(encoding="utf-8"))["tokens"][role.name]

    # When
    answer = stack.request("GET", "/admin/v1/whoami", headers={"Authorization": f"Bearer {token}"})

    # Then
    assert answer.status == 200
    assert answer.json() == {
        "principal": f"local-{role.name}",
        "kind": "jwt",
        "role": role.name,
        "email": f"{role.name}@webhooks.local",
    }
