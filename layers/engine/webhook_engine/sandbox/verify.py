"""`verify`: the signature and token checks of the senders webhooks come from.

Each check reads the message being processed (its exact raw bytes and headers), compares in
constant time, and returns a bool: a missing or malformed header, a bad secret or a stale
timestamp is False, never an exception. Timestamps are measured against the message's
`received_at`, so a resubmitted message verifies as it did on arrival.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac as _hmac
import ipaddress
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from webhook_engine.sandbox.facade import ScriptFacade

_ALGORITHMS = frozenset({"sha1", "sha256", "sha512"})


class Verify(ScriptFacade):
    """`verify` in scripts: one instance per script run, bound to the message. A facade: the
    sandbox's allow-list lets scripts read its checks and nothing else."""

    __slots__ = ("_body", "_headers", "_query", "_received_at", "_source_ip")
    script_attributes: ClassVar[frozenset[str]] = frozenset(
        {
            "github",
            "gitlab",
            "bitbucket",
            "shopify",
            "slack",
            "stripe",
            "standard",
            "hmac",
            "basic_auth",
            "token",
            "ip_in",
        }
    )

    def __init__(
        self,
        headers: Mapping[str, str],
        raw_body: bytes,
        query: Mapping[str, str],
        source_ip: str,
        received_at: datetime,
    ) -> None:
        self._headers = {name.lower(): value for name, value in headers.items()}
        self._body = raw_body
        self._query = dict(query)
        self._source_ip = source_ip
        self._received_at = received_at

    # vendors ------------------------------------------------------------------------------

    def github(self, secret: str) -> bool:
        """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`."""
        return self.hmac(secret, "x-hub-signature-256", prefix="sha256=")

    def gitlab(self, token: str) -> bool:
        """`X-Gitlab-Token` equals the webhook's secret token."""
        return self.token(token, header="x-gitlab-token")

    def bitbucket(self, secret: str) -> bool:
        """Bitbucket Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
        return self.hmac(secret, "x-hub-signature", prefix="sha256=")

    def shopify(self, secret: str) -> bool:
        """`X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`."""
        return self.hmac(secret, "x-shopify-hmac-sha256", encoding="base64")

    def slack(self, signing_secret: str, tolerance: float = 300) -> bool:
        """`X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`, with
        `X-Slack-Request-Timestamp` within `tolerance` seconds of arrival."""
        timestamp = self._headers.get("x-slack-request-timestamp", "")
        if not self._fresh(timestamp, tolerance):
            return False
        signed = b"v0:" + timestamp.encode() + b":" + self._body
        expected = _digest(signing_secret, signed, "sha256", "hex")
        given = self._headers.get("x-slack-signature", "")
        return given.startswith("v0=") and _equal(given[3:], expected)

    def stripe(self, secret: str, tolerance: float = 300) -> bool:
        """`Stripe-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=...]`:
        any v1 signature may match (secrets being rolled), `t` within `tolerance`."""
        fields = [
            part.partition("=") for part in self._headers.get("stripe-signature", "").split(",")
        ]
        timestamps = [value.strip() for key, _, value in fields if key.strip() == "t"]
        signatures = [value.strip() for key, _, value in fields if key.strip() == "v1"]
        if len(timestamps) != 1 or not self._fresh(timestamps[0], tolerance):
            return False
        expected = _digest(secret, timestamps[0].encode() + b"." + self._body, "sha256", "hex")
        return _any_equal(signatures, expected)

    def standard(self, secret: str, tolerance: float = 300) -> bool:
        """Standard Webhooks (and Svix): `webhook-signature: v1,<base64> [v1,<base64>...]`
        over "<webhook-id>.<webhook-timestamp>.<body>"; secrets may start with `whsec_`."""
        message_id = self._first("webhook-id", "svix-id")
        timestamp = self._first("webhook-timestamp", "svix-timestamp")
        key = _standard_key(secret)
        if not message_id or key is None or not self._fresh(timestamp, tolerance):
            return False
        signed = f"{message_id}.{timestamp}.".encode() + self._body
        expected = base64.b64encode(_hmac.new(key, signed, hashlib.sha256).digest()).decode()
        candidates = self._first("webhook-signature", "svix-signature").split()
        given = [
            value for version, _, value in (c.partition(",") for c in candidates) if version == "v1"
        ]
        return _any_equal(given, expected)

    # building blocks ----------------------------------------------------------------------

    def hmac(
        self,
        secret: str,
        header: str,
        algorithm: str = "sha256",
        encoding: str = "hex",
        prefix: str = "",
    ) -> bool:
        """`header` equals `prefix` + the HMAC of the raw body, hex or base64 encoded."""
        if algorithm not in _ALGORITHMS or encoding not in ("hex", "base64"):
            return False
        given = self._headers.get(header.lower(), "")
        if not given.startswith(prefix):
            return False
        expected = _digest(secret, self._body, algorithm, encoding)
        return _equal(given[len(prefix) :], expected)

    def basic_auth(self, user: str, password: str) -> bool:
        """`Authorization: Basic <base64 of user:password>`."""
        scheme, _, credentials = self._headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not user or not isinstance(password, str):
            return False
        try:
            given = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return _equal(given, f"{user}:{password}".encode())

    def token(self, expected: str, header: str | None = None, query: str | None = None) -> bool:
        """A shared token: in `header`, in the `query` parameter, or else as
        `Authorization: Bearer <token>`."""
        if not expected or not isinstance(expected, str):
            return False
        if header is not None:
            return _equal(self._headers.get(header.lower(), ""), expected)
        if query is not None:
            return _equal(self._query.get(query, ""), expected)
        scheme, _, given = self._headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and _equal(given.strip(), expected)

    def ip_in(self, *cidrs: str) -> bool:
        """The sender's address is in one of the networks (`"192.30.252.0/22"`, `"::1"`)."""
        try:
            address = ipaddress.ip_address(self._source_ip)
        except ValueError:
            return False
        for cidr in cidrs:
            try:
                if address in ipaddress.ip_network(cidr, strict=False):
                    return True
            except (TypeError, ValueError):
                continue
        return False

    # helpers ------------------------------------------------------------------------------

    def _first(self, *names: str) -> str:
        return next((self._headers[name] for name in names if name in self._headers), "")

    def _fresh(self, timestamp: str, tolerance: float) -> bool:
        """An integer Unix timestamp within `tolerance` seconds of the message's arrival."""
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        return abs(self._received_at.timestamp() - int(timestamp)) <= tolerance


def _digest(secret: str | bytes, data: bytes, algorithm: str, encoding: str) -> str | None:
    """The HMAC of `data`; None for a key that is empty (anyone could sign with it) or not
    text, which matches no header."""
    if not secret or not isinstance(secret, str | bytes):
        return None
    key = secret.encode() if isinstance(secret, str) else secret
    raw = _hmac.new(key, data, algorithm).digest()
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode()


def _standard_key(secret: str) -> bytes | None:
    """The HMAC key of a Standard Webhooks secret: base64, after an optional `whsec_`."""
    if not isinstance(secret, str):
        return None
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def _equal(given: str | bytes, expected: str | bytes | None) -> bool:
    if expected is None:
        return False
    left = given.encode() if isinstance(given, str) else given
    right = expected.encode() if isinstance(expected, str) else expected
    return _hmac.compare_digest(left, right)


def _any_equal(candidates: list[str], expected: str | None) -> bool:
    """Constant time per candidate, and every candidate compared."""
    return sum(_equal(candidate, expected) for candidate in candidates) > 0
