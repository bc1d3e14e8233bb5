"""The local stack's people: a signing key, a token per role, and the JWT authorizer that
checks them as API Gateway's does.

`make serve` makes a new RS256 key and signs one token per role (viewer, operator, editor)
with it. The gateway verifies a bearer JWT on the admin routes like an HTTP API's JWT
authorizer: the signature against the key set (by `kid`), `alg` in the allow-list, `iss`,
`aud`, `exp` and `nbf`; then hands the function the claims as API Gateway does (every value
as text, an array as `[a b]`). Anything else gets no identity, and the function answers 401.
On AWS the function never sees a token: only the authorizer's claims.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from webhooks_testbed.authorizer import jwt_authorizer

ISSUER = "https://webhooks.local/issuer"
AUDIENCE = "webhooks-local"
ALGORITHMS = ["RS256"]  # the allow-list: no `none`, no HMAC with a public key
ROLES = ("viewer", "operator", "editor")
GROUPS_CLAIM = "cognito:groups"  # the template's GroupsClaim default
LIFETIME_SECONDS = 12 * 3600
MAX_TOKEN_BYTES = 8192  # a longer bearer value is refused before it is decoded
REQUIRED = ["exp", "nbf", "iat", "iss", "aud", "sub"]


@dataclass
class LocalIssuer:
    """A signing key of its own, and the tokens it signs."""

    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @property
    def public_key(self) -> RSAPublicKey:
        return self.key.public_key()

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims, self.key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )

    def token(self, role: str, now: float | None = None) -> str:
        """A person's token in the group `role`, valid LIFETIME_SECONDS from `now`."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": f"local-{role}",
            "email": f"{role}@webhooks.local",
            GROUPS_CLAIM: [role],
            "token_use": "id",
            "iat": issued,
            "nbf": issued,
            "exp": issued + LIFETIME_SECONDS,
        }
        return self.sign(claims)

    def tokens(self) -> dict[str, str]:
        """One token per role."""
        return {role: self.token(role) for role in ROLES}

    def claims(self, token: str) -> dict[str, Any] | None:
        """The verified claims of a token this issuer signed; None for any other."""
        if len(token.encode()) > MAX_TOKEN_BYTES:
            return None
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.kid or header.get("alg") not in ALGORITHMS:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                self.public_key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": REQUIRED},
            )
        except jwt.PyJWTError:
            return None
        return claims if _groups_listed(claims) else None

    def authorizer(self, headers: Iterable[tuple[str, str]]) -> dict[str, Any] | None:
        """`requestContext.authorizer` for exactly one `Authorization: Bearer <jwt>` this
        issuer signed and that holds; None otherwise."""
        values = [value for name, value in headers if name.lower() == "authorization"]
        if len(values) != 1:
            return None
        scheme, _, token = values[0].strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        claims = self.claims(token.strip())
        return None if claims is None else jwt_authorizer(claims)


def _groups_listed(claims: dict[str, Any]) -> bool:
    """A groups claim, when there is one, is a list of names: a string would reach the
    function as a group's name API Gateway never flattened."""
    groups = claims.get(GROUPS_CLAIM, [])
    return isinstance(groups, list) and all(isinstance(name, str) for name in groups)
