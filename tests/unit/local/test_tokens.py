"""The local gateway's JWT authorizer refuses every kind of token API Gateway's would, and
hands the function a valid one's claims as API Gateway does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.unit.admin.conftest import Admin
from webhooks_local.tokens import AUDIENCE, ISSUER, MAX_TOKEN_BYTES, LocalIssuer

ISSUER_UNDER_TEST = LocalIssuer()
OTHER = LocalIssuer()


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "local-editor",
        "email": "editor@webhooks.local",
        "cognito:groups": ["editor"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned() -> str:
    return f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': ISSUER_UNDER_TEST.kid})}.{_segment(_claims())}."


def _hs256_with_public_key() -> str:
    pem = ISSUER_UNDER_TEST.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": ISSUER_UNDER_TEST.kid}
    signing_input = f"{_segment(header)}.{_segment(_claims())}".encode()
    signature = hmac.new(pem, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def _tampered() -> str:
    header, _, signature = ISSUER_UNDER_TEST.sign(_claims(**{"cognito:groups": ["viewer"]})).split(
        "."
    )
    return f"{header}.{_segment(_claims())}.{signature}"


def _rs512() -> str:
    return jwt.encode(
        _claims(), ISSUER_UNDER_TEST.key, algorithm="RS512", headers={"kid": ISSUER_UNDER_TEST.kid}
    )


ATTACKS: dict[str, Callable[[], str]] = {
    "expired": lambda: ISSUER_UNDER_TEST.sign(_claims(exp=int(time.time()) - 1)),
    "not-yet-valid": lambda: ISSUER_UNDER_TEST.sign(_claims(nbf=int(time.time()) + 600)),
    "wrong-issuer": lambda: ISSUER_UNDER_TEST.sign(_claims(iss="https://evil.example")),
    "wrong-audience": lambda: ISSUER_UNDER_TEST.sign(_claims(aud="another-client")),
    "no-exp": lambda: ISSUER_UNDER_TEST.sign(_claims(exp=None)),
    "no-sub": lambda: ISSUER_UNDER_TEST.sign(_claims(sub=None)),
    "alg-none": _unsigned,
    "hs256-with-the-public-key": _hs256_with_public_key,
    "rs512-not-allowed": _rs512,
    "unknown-kid": lambda: ISSUER_UNDER_TEST.sign(_claims(), headers={"kid": "elsewhere"}),
    "another-key-same-kid": lambda: OTHER.sign(_claims(), headers={"kid": ISSUER_UNDER_TEST.kid}),
    "tampered-claims": _tampered,
    "groups-a-string": lambda: ISSUER_UNDER_TEST.sign(_claims(**{"cognito:groups": "editor"})),
    "groups-not-names": lambda: ISSUER_UNDER_TEST.sign(_claims(**{"cognito:groups": [["editor"]]})),
    "oversized": lambda: ISSUER_UNDER_TEST.sign(_claims(pad="x" * MAX_TOKEN_BYTES)),
    "not-a-jwt": lambda: "not.a.jwt",
    "empty": lambda: "",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_token_attack_gets_no_identity_and_a_401(attack: str):
    # Given
    token = ATTACKS[attack]()
    admin = Admin(authorizer=ISSUER_UNDER_TEST.authorizer([("Authorization", f"Bearer {token}")]))

    # When
    status, body = admin.call("GET", "/whoami")

    # Then
    assert admin.authorizer is None
    assert (status, body["error"]["code"]) == (401, "unauthorized")


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Authorization", "Basic abc")],
        [("Authorization", "Bearer")],
        [("Authorization", "Bearer t"), ("Authorization", "Bearer t")],
    ],
)
def test_an_authorization_header_of_another_shape_gets_no_identity(headers: list[tuple[str, str]]):
    # Given a valid token in the second of two headers, or none at all
    token = ISSUER_UNDER_TEST.token("editor")
    headers = [(name, value.replace(" t", f" {token}")) for name, value in headers]

    # Then
    assert ISSUER_UNDER_TEST.authorizer(headers) is None


@pytest.mark.parametrize("role", ["viewer", "operator", "editor"])
def test_a_valid_token_reaches_the_function_as_api_gateway_hands_claims(role: str):
    # Given the token the stack prints for the role
    token = ISSUER_UNDER_TEST.token(role)

    # When
    authorizer = ISSUER_UNDER_TEST.authorizer([("authorization", f"Bearer {token}")])
    status, body = Admin(authorizer=authorizer).call("GET", "/whoami")

    # Then every claim is text, the groups flattened, and the function reads the role
    assert authorizer is not None
    claims = authorizer["jwt"]["claims"]
    assert claims["cognito:groups"] == f"[{role}]"
    assert all(isinstance(value, str) for value in claims.values())
    assert (status, body["role"], body["kind"], body["principal"]) == (
        200,
        role,
        "jwt",
        f"local-{role}",
    )
