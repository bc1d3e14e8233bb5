"""The admin API answers 401, never a 500 or a page, to any call without a well-formed IAM
identity: every way the authorizer context can be missing or malformed, and every malformed
Authorization header the local gateway's authorizer can be given."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from admin.handler import lambda_handler as admin_handler
from tests.conftest import admin_event, api_event, new_context
from webhooks_testbed.authorizer import bearer_authorizer, iam_authorizer

# requestContext.authorizer.iam.userArn: the identity API Gateway's IAM authorizer adds.
IDENTITY_PATH = ("requestContext", "authorizer", "iam", "userArn")
# A value of every JSON type that is not what a step of the path should hold.
WRONG_VALUES: list[Any] = [None, True, 0, 1.5, "", "iam", [], [{}], {}]
# Strings that are not an IAM or STS principal's ARN.
NOT_PRINCIPAL_ARNS = [
    " ",
    "local-operator",
    "arn:aws:s3:::bucket",
    "arn:aws:iam::12345678901:user/ops",  # 11-digit account
    "arn:aws:iam:us-east-1:123456789012:user/ops",  # IAM has no region
    "arn:aws:iam::123456789012:",
    " arn:aws:iam::123456789012:user/ops",
    "arn:aws:iam::123456789012:user/ops\n",
    "arn:aws:iam::123456789012:user/o ps",
    "arn:aws:iam::123456789012:user/öps",
    "ARN:AWS:IAM::123456789012:USER/OPS",
]
PRINCIPAL_ARNS = [
    "arn:aws:iam::123456789012:user/local-operator",
    "arn:aws:iam::123456789012:root",
    "arn:aws:sts::123456789012:assumed-role/Operators/alice@example.com",
    "arn:aws-cn:iam::123456789012:user/ops",
    "arn:aws-us-gov:sts::123456789012:federated-user/ops",
]

type Tamper = Callable[[dict[str, Any]], None]


def _at(depth: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The object that holds step `depth` of the identity path."""

    def parent(event: dict[str, Any]) -> dict[str, Any]:
        for key in IDENTITY_PATH[:depth]:
            event = event[key]
        return event

    return parent


def _removed(depth: int) -> Tamper:
    return lambda event: _at(depth)(event).pop(IDENTITY_PATH[depth])


def _replaced(depth: int, value: Any) -> Tamper:
    return lambda event: _at(depth)(event).update({IDENTITY_PATH[depth]: copy.deepcopy(value)})


def malformed_contexts() -> Iterator[Any]:
    """Every step of the identity path removed, or replaced by a value of the wrong kind;
    then a userArn that is a string but no principal, and identities where IAM puts none."""
    for depth, key in enumerate(IDENTITY_PATH):
        yield pytest.param(_removed(depth), id=f"{key}-missing")
        for value in WRONG_VALUES:
            yield pytest.param(_replaced(depth, value), id=f"{key}={value!r}")
    for arn in NOT_PRINCIPAL_ARNS:
        yield pytest.param(_replaced(3, arn), id=f"userArn={arn!r}")
    elsewhere: list[tuple[str, Tamper]] = [
        ("jwt", lambda event: event["requestContext"].update(authorizer={"jwt": {"claims": {}}})),
        ("lambda", _replaced(1, {"lambda": iam_authorizer()["iam"]})),
        ("rest-api-identity", _moved_to_rest_api_identity),
        ("iam-under-another-key", _replaced(1, {"IAM": iam_authorizer()["iam"]})),
    ]
    for name, tamper in elsewhere:
        yield pytest.param(tamper, id=name)


def _moved_to_rest_api_identity(event: dict[str, Any]) -> None:
    """Where a REST API (payload 1.0) would put the caller: not the HTTP API's place."""
    context = event["requestContext"]
    context["identity"] = {"userArn": context.pop("authorizer")["iam"]["userArn"]}


def _status(response: dict[str, Any]) -> tuple[int, str]:
    return response["statusCode"], json.loads(response["body"])["error"]["code"]


@pytest.mark.parametrize("tamper", list(malformed_contexts()))
def test_a_malformed_authorizer_context_is_401(tamper):
    # Given an event that the IAM authorizer let through, then damaged
    event = admin_event("/health")
    tamper(event)

    # When
    response = admin_handler(event, new_context())

    # Then
    assert _status(response) == (401, "unauthorized")


@pytest.mark.parametrize("arn", PRINCIPAL_ARNS)
def test_any_iam_or_sts_principal_is_a_caller_without_a_role_until_tagged(arn):
    # Given a principal of no account this deployment reads tags in
    event = admin_event("/health")
    event["requestContext"]["authorizer"]["iam"]["userArn"] = arn

    # When
    response = admin_handler(event, new_context())

    # Then it is identified (not 401) and refused for its lack of a role
    assert _status(response) == (403, "forbidden")


TOKEN = "s3cret-token"
MALFORMED_AUTHORIZATIONS: list[list[tuple[str, str]]] = [
    [],
    [("Authorization", "")],
    [("Authorization", " ")],
    [("Authorization", "Bearer")],
    [("Authorization", "Bearer ")],
    [("Authorization", "Bearer wrong")],
    [("Authorization", f"Bearer {TOKEN[:-1]}")],
    [("Authorization", f"Bearer {TOKEN}x")],
    [("Authorization", f"Bearer {TOKEN.upper()}")],
    [("Authorization", f"Bearer {TOKEN} {TOKEN}")],
    [("Authorization", f"Basic {TOKEN}")],
    [("Authorization", f"Token {TOKEN}")],
    [("Authorization", TOKEN)],
    [("Authorization", f"Bearer\t{TOKEN}")],
    [("Authorization", "Bearer t\u00e9st")],
    [("Authorization", "Bearer " + "x" * 8000)],
    [("Authorization", f"Bearer {TOKEN}"), ("Authorization", f"Bearer {TOKEN}")],
    [("Authorization", "Bearer wrong"), ("Authorization", f"Bearer {TOKEN}")],
    [("X-Authorization", f"Bearer {TOKEN}")],
    [("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/20261130/us-east-1/execute-api")],
]


def _through_the_gateway(headers: list[tuple[str, str]]) -> dict[str, Any]:
    """The admin event the local gateway builds for these headers, with what its IAM
    authorizer makes of them."""
    authorizer = bearer_authorizer(headers, TOKEN)
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return api_event("GET", "/admin/v1/health", headers=joined, authorizer=authorizer)


@pytest.mark.parametrize("headers", MALFORMED_AUTHORIZATIONS)
def test_a_malformed_authorization_header_is_401(headers):
    # Given
    event = _through_the_gateway(headers)

    # When
    response = admin_handler(event, new_context())

    # Then
    assert _status(response) == (401, "unauthorized")


@pytest.mark.parametrize("value", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"  Bearer {TOKEN}  "])
def test_the_token_is_a_credential(value):
    # Given
    event = _through_the_gateway([("Authorization", value)])

    # When
    response = admin_handler(event, new_context())

    # Then the caller is identified: refused for its role here (no tag is read in this tier)
    assert _status(response) == (403, "forbidden")
