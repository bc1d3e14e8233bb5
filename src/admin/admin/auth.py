"""Who calls, and with what role: read from what API Gateway's authorizers put in the event.

- A person, through the people's API's JWT authorizer (Cognito, or a brought OIDC issuer):
  `requestContext.authorizer.jwt.claims`; the role is the highest of the groups claim's
  values (HTTP APIs hand an array claim as the text `[viewer editor]`; both forms are read).
- A machine, through the admin API's IAM authorizer (SigV4): `requestContext.authorizer.iam`;
  the role is the principal's `webhooks-role` tag (its user's, or its assumed role's), read
  through the `PrincipalRoles` port. The IAM policy generated for each role lets the gateway
  refuse the routes above it first; the function checks again.

The function never parses a token. Locally the gateway plays both authorizers
(docs/local-stack.md). An event without a well-formed identity is answered 401 before any
route runs, not even request validation; an identity without the route's role, 403.
"""

from __future__ import annotations

import re
from typing import Any

from admin.roles import Role, least_role
from webhook_engine.domain.audit import Actor, PrincipalRoles
from webhook_engine.pipeline.http_api import error_response, json_response

# What the IAM authorizer puts in `userArn`: an IAM or STS principal of a 12-digit account
# (`arn:aws:iam::123456789012:user/ops`, `arn:aws:sts::123456789012:assumed-role/R/s`, ...).
_PRINCIPAL_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:(?:iam|sts)::[0-9]{12}:[!-~]+")
# A claim value API Gateway flattened from an array: `[a b c]`.
_FLATTENED = re.compile(r"\[([^\[\]]*)\]")
MAX_CLAIM = 2048  # a subject, email or groups claim longer than this is no identity


def identify(event: Any, principals: PrincipalRoles, groups_claim: str) -> Actor | None:
    """The caller, or None when the event carries no well-formed identity."""
    authorizer = _get(event, "requestContext", "authorizer")
    if not isinstance(authorizer, dict) or len(authorizer) != 1:
        return None
    source = _get(event, "requestContext", "http", "sourceIp")
    source_ip = source if isinstance(source, str) else ""
    if "iam" in authorizer:
        return _iam(authorizer["iam"], principals, source_ip)
    if "jwt" in authorizer:
        return _jwt(_get(authorizer, "jwt", "claims"), groups_claim, source_ip)
    return None


def _iam(context: Any, principals: PrincipalRoles, source_ip: str) -> Actor | None:
    arn = context.get("userArn") if isinstance(context, dict) else None
    if not isinstance(arn, str) or not _PRINCIPAL_ARN.fullmatch(arn):
        return None
    tag = principals.role_tag(arn)
    role = tag if tag in Role.__members__ else None
    return Actor(principal=arn, kind="iam", role=role, source_ip=source_ip)


def _jwt(claims: Any, groups_claim: str, source_ip: str) -> Actor | None:
    if not isinstance(claims, dict):
        return None
    subject, email = claims.get("sub"), claims.get("email")
    if not _text(subject) or (email is not None and not _text(email)):
        return None
    role = highest(groups(claims.get(groups_claim)))
    return Actor(
        principal=subject,
        kind="jwt",
        role=None if role is None else role.name,
        email=email,
        source_ip=source_ip,
    )


def groups(claim: Any) -> list[str]:
    """The groups in a claim: a list of names, or API Gateway's flattening of one
    (`[viewer editor]`); a plain string is one group's name; anything else none."""
    if isinstance(claim, list):
        return [name for name in claim if isinstance(name, str)]
    if not _text(claim):
        return []
    flattened = _FLATTENED.fullmatch(claim)
    return flattened[1].split() if flattened else [claim]


def highest(names: list[str]) -> Role | None:
    """The highest role among group names; None when no name is a role."""
    roles = [Role[name] for name in names if name in Role.__members__]
    return max(roles, default=None)


def unauthorized() -> dict[str, Any]:
    """The answer to a call without a well-formed identity."""
    return error_response(401, "unauthorized", "missing or invalid credentials")


def refusal(actor: Actor, method: str, path: str) -> dict[str, Any] | None:
    """403 when the caller's role is below the route's; None to go on."""
    required = least_role(method, path)
    try:
        require(actor, required)
    except ForbiddenError:
        return forbidden(required, actor)
    return None


def forbidden(required: Role, actor: Actor) -> dict[str, Any]:
    """The 403 answer naming the role a call needs."""
    held = f"the role {actor.role}" if actor.role else "no role"
    message = f"{actor.principal} has {held}; this needs {required.name}"
    error = {"code": "forbidden", "message": message, "required_role": required.name}
    return json_response(403, {"error": error})


class ForbiddenError(Exception):
    """A call whose body needs a higher role than its route (`POST /test` with a draft)."""

    def __init__(self, required: Role) -> None:
        super().__init__(required.name)
        self.required = required


def require(actor: Actor, required: Role) -> None:
    """ForbiddenError unless `actor` holds `required` or a higher role."""
    if actor.role is None or Role[actor.role] < required:
        raise ForbiddenError(required)


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_CLAIM and value.isprintable()


def _get(value: Any, *keys: str) -> Any:
    """`value[k1][k2]...`, or None when a step is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
