"""API Gateway's IAM authorizer, as the local gateway plays it: a bearer token instead of SigV4.

On AWS the admin HTTP API's AWS_IAM authorizer checks each call's SigV4 signature and puts
the caller's identity in `requestContext.authorizer.iam`; the admin function accepts only
events that carry it. Locally there are no IAM users to sign with, so the gateway takes
`Authorization: Bearer <token>` (the stack's token) on the routes whose API has the IAM
authorizer and puts the same identity there, for one local IAM user. Without a valid token
the event goes through with no authorizer context, and the admin function answers 401.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Any

from webhooks_testbed import template as cfn

LOCAL_USER = cfn.LOCAL_USER  # the IAM user a locally authorized call comes from
LOCAL_USER_ID = "AIDALOCALOPERATOR0000"
LOCAL_ACCESS_KEY = "AKIALOCALOPERATOR000"
LOCAL_USER_ARN = f"arn:aws:iam::{cfn.ACCOUNT_ID}:user/{LOCAL_USER}"


def iam_authorizer(user: str = LOCAL_USER, account_id: str = cfn.ACCOUNT_ID) -> dict[str, Any]:
    """`requestContext.authorizer` of a call that the IAM authorizer let through, as an HTTP
    API (payload 2.0) sets it for a call signed with the IAM user `user`'s access key."""
    return {
        "iam": {
            "accessKey": LOCAL_ACCESS_KEY,
            "accountId": account_id,
            "callerId": LOCAL_USER_ID,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{account_id}:user/{user}",
            "userId": LOCAL_USER_ID,
        }
    }


def jwt_authorizer(claims: dict[str, Any]) -> dict[str, Any]:
    """`requestContext.authorizer` of a call that a JWT authorizer let through, as an HTTP API
    hands it: every claim as text, an array as `[a b]` (a number's text, a boolean's)."""
    return {
        "jwt": {
            "claims": {name: flattened(value) for name, value in claims.items()},
            "scopes": None,
        }
    }


def flattened(value: Any) -> str:
    """A claim's value as API Gateway passes it to the function."""
    if isinstance(value, list):
        return "[" + " ".join(flattened(item) for item in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def bearer_authorizer(
    headers: Iterable[tuple[str, str]], token: str | None
) -> dict[str, Any] | None:
    """`iam_authorizer()` when the headers carry exactly one `Authorization: Bearer <token>`
    with the stack's token (compared in constant time); None otherwise."""
    values = [value for name, value in headers if name.lower() == "authorization"]
    if not token or len(values) != 1:
        return None
    scheme, _, given = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return iam_authorizer()
