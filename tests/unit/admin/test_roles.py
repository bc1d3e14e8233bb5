"""Who may call what, on fakes: the route table against the OpenAPI document and the
template's policies, every route called by every kind of caller, and a viewer's answers
searched for what a viewer may not see."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from admin.app import app, openapi_json
from admin.policies import resource, section
from admin.roles import ROUTES, UNDOCUMENTED, Role, least_role, routes_of
from tests.unit.admin.conftest import Admin
from tests.unit.builders import function, message, provider, secret
from webhook_engine.domain.models import (
    ActionOutcome,
    ActionRecord,
    Evaluation,
    Execution,
    ExecutionStatus,
    LogEntry,
    Mode,
    SyncAnswer,
)
from webhooks_testbed import template as cfn
from webhooks_testbed.authorizer import iam_authorizer, jwt_authorizer

ARN = "arn:aws:iam::123456789012:user/ci"


def _person(*groups: str) -> dict[str, Any]:
    claims = {"sub": "s-1", "email": "ann@example.com", "cognito:groups": list(groups)}
    return jwt_authorizer(claims)


def _machine(admin: Admin, role: str) -> dict[str, Any]:
    admin.principals.tags[ARN] = role
    return iam_authorizer("ci")


def _documented() -> dict[str, str]:
    document = json.loads(openapi_json())
    return {
        f"{method.upper()} {path}": operation["x-required-role"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def test_the_openapi_document_and_the_route_table_name_the_same_routes_and_roles():
    # When
    documented = _documented()

    # Then every documented route has its role in the table, and the table no other route
    assert documented == {route: role.name for route, role in ROUTES.items()}


def test_every_route_the_resolver_takes_is_in_the_table():
    # Given the resolver's routes, as the OpenAPI document and the undocumented ones
    taken = {
        f"{route.method} {route.path}"
        for route in [*app._static_routes, *app._dynamic_routes]
        if route.path.startswith("/")
    }
    named = {re.sub(r"<(\w+)>", r"{\1}", key) for key in taken}

    # Then
    assert named == set(ROUTES) | set(UNDOCUMENTED)


def test_the_template_holds_the_policies_generated_from_the_table():
    # Given
    template = (cfn.TEMPLATE_PATH).read_text(encoding="utf-8")

    # Then (make policies rewrites it)
    assert section() in template


def _sample_path(route: str) -> tuple[str, str]:
    method, path = route.split(" ", 1)
    return method, re.sub(r"\{\w+\}", "x-1", path)


def _iam_match(arn: str, method: str, path: str) -> bool:
    """Whether an execute-api ARN of a policy allows a call: `*` matches any text, `/` too."""
    pattern = re.escape(arn).replace(r"\*", ".*")
    called = resource(f"{method} {path}").replace("/*/", "/$default/", 1)
    return re.fullmatch(pattern, called) is not None


@pytest.mark.parametrize("role", list(Role))
def test_each_policy_allows_exactly_the_routes_of_its_role(role: Role):
    # Given the policy's resources
    allowed = [resource(route) for route in routes_of(role)]

    # When every route is called with a sample path
    granted = {
        route for route in ROUTES if any(_iam_match(arn, *_sample_path(route)) for arn in allowed)
    }

    # Then no wildcard reaches a route of a higher role
    assert granted == set(routes_of(role))


def _callers(admin: Admin) -> Iterator[tuple[str, dict[str, Any] | None, Role | None]]:
    yield "nobody", None, None
    for role in Role:
        yield f"jwt-{role.name}", _person(role.name), role
        yield f"iam-{role.name}", _machine(admin, role.name), role


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_answers_each_caller_by_the_table(admin: Admin, route: str):
    # Given
    method, path = _sample_path(route)
    body = {} if method in ("POST", "PUT", "PATCH") else None

    for name, authorizer, role in _callers(admin):
        admin.authorizer = authorizer

        # When
        status, answer = admin.call(method, path, body=body)

        # Then
        if role is None:
            assert (status, answer["error"]["code"]) == (401, "unauthorized"), name
        elif role < ROUTES[route]:
            assert status == 403, name
            assert answer["error"]["required_role"] == ROUTES[route].name, name
        else:
            assert status not in (401, 403), (name, status, answer)


@pytest.mark.parametrize(
    "body",
    [
        {"uri": "hook", "config": {"providers": []}},
        {"uri": "hook", "inherit_secrets": True},
    ],
)
def test_a_dry_run_of_a_draft_or_with_secrets_needs_an_editor(admin: Admin, body: dict[str, Any]):
    # Given an operator
    admin.authorizer = _person("operator")

    # When
    status, answer = admin.call("POST", "/test", body=body)

    # Then
    assert status == 403
    assert answer["error"]["required_role"] == "editor"


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ("[viewer editor]", "editor"),
        ("[operator]", "operator"),
        ("viewer", "viewer"),
        ("viewer editor", None),  # one group of that name: none
        ("[]", None),
        ("[admins]", None),
        ("", None),
    ],
)
def test_the_groups_claim_is_read_in_both_forms_api_gateway_hands(
    admin: Admin, groups: str, role: str | None
):
    # Given claims as an HTTP API hands them: arrays flattened to text
    admin.authorizer = {"jwt": {"claims": {"sub": "s-1", "cognito:groups": groups}}}

    # When
    status, answer = admin.call("GET", "/whoami")

    # Then
    if role is None:
        assert (status, answer["error"]["code"]) == (403, "forbidden")
    else:
        assert (status, answer["role"], answer["kind"]) == (200, role, "jwt")


def test_whoami_names_the_iam_caller_and_its_tagged_role(admin: Admin):
    # Given
    admin.authorizer = _machine(admin, "operator")

    # When
    status, answer = admin.call("GET", "/whoami")

    # Then
    assert status == 200
    assert answer == {"principal": ARN, "kind": "iam", "role": "operator", "email": None}


@pytest.mark.parametrize("tag", ["Editor", "admin", "", "editor "])
def test_an_iam_caller_tagged_with_no_role_is_refused(admin: Admin, tag: str):
    # Given
    admin.authorizer = _machine(admin, tag)

    # When
    status, answer = admin.call("GET", "/health")

    # Then
    assert (status, answer["error"]["code"]) == (403, "forbidden")


def test_an_unknown_path_is_a_viewers_404_and_nobodys(admin: Admin):
    # Given
    admin.authorizer = None

    # When / Then
    assert admin.call("GET", "/nothing")[0] == 401
    admin.authorizer = _person("viewer")
    assert admin.call("GET", "/nothing")[0] == 404
    assert least_role("GET", "/nothing") is Role.viewer


MARKER = "M4RK3R-5ecret"


def _planted(admin: Admin) -> None:
    """A message, its submission's evaluations and executions, the scripts and properties of
    the configuration: each holding the marker wherever a viewer may not look."""
    owner = provider(
        "GitHub",
        match_script=f"return '{MARKER}' != ''",
        properties={"TOKEN": secret(MARKER)},
    )
    admin.config.put_provider(owner)
    admin.config.put_function(function(owner, "build", script=f"log.info('{MARKER}')"))
    admin.messages.put_message(
        message(
            "m-1",
            body=MARKER.encode(),
            headers={"x-custom": MARKER},
            query=f"q={MARKER}",
        ),
        Mode.ASYNC,
    )
    stored = admin.messages.submissions["m-1"][1]
    logs = [LogEntry(level="INFO", message=MARKER, at=stored.submitted_at)]
    stored.evaluations = [
        Evaluation(provider="GitHub", matched=True, duration_ms=1.0, logs=logs, error=MARKER)
    ]
    admin.messages.executions["m-1"][(1, "f-GitHub-build")] = Execution(
        function="build",
        function_id="f-GitHub-build",
        status=ExecutionStatus.FAILED,
        submission=1,
        started_at=stored.submitted_at,
        duration_ms=2.0,
        logs=logs,
        error=MARKER,
        actions=[
            ActionRecord(
                kind="http", call=MARKER, outcome=ActionOutcome.FAILED, at=stored.submitted_at
            )
        ],
        response=SyncAnswer(status=200, body=MARKER),
    )


def test_no_viewer_answer_carries_what_a_viewer_may_not_see(admin: Admin):
    # Given the marker in bodies, headers, query, logs, errors, actions, answers and scripts
    _planted(admin)
    admin.authorizer = _person("viewer")

    # When every route is called as a viewer, on the planted message
    answers = []
    for route in sorted(ROUTES):
        method, path = route.split(" ", 1)
        path = re.sub(r"\{\w+\}", "m-1", path)
        body = {"uri": "hook"} if method in ("POST", "PUT", "PATCH") else None
        answers.append((route, admin.raw(method, path, body=body)))

    # Then the viewer's routes answered, and no answer holds the marker
    assert {route for route, answer in answers if answer["statusCode"] == 200} == set(
        routes_of(Role.viewer)
    )
    for route, answer in answers:
        assert MARKER not in json.dumps(answer), route


def test_the_overview_shows_the_flow_without_content(admin: Admin):
    # Given a message GitHub matched, with a provider after it that was not evaluated
    _planted(admin)
    admin.config.put_provider(provider("Later", position=5))
    admin.authorizer = _person("viewer")

    # When
    status, shown = admin.call("GET", "/messages/m-1/overview")

    # Then
    assert status == 200
    [flow] = shown["flow"]
    assert [(p["provider"], p["verdict"]) for p in flow["providers"]] == [
        ("GitHub", "error"),
        ("Later", "not_evaluated"),
    ]
    assert [(f["function"], f["status"]) for f in flow["functions"]] == [("build", "FAILED")]
    assert shown["submissions"][0]["submitted_by"] is None
