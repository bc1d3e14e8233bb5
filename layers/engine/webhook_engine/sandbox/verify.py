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
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import ClassVar

from webhook_engine.sandbox.facade import ScriptFacade

_ALGORITHMS = frozenset({"sha1", "sha256", "sha512"})


class Verify(ScriptFacade):
    """`verify` in scripts: one instance per script run, bound to the message. A facade: the
    sandbox's allow-list lets scripts read its checks and nothing else. A check that fails
    tells `note` which part failed ("verify.github: X-Hub-Signature-256 missing"), never a
    secret nor a digest: the script's log keeps it, so an UNMATCHED message says why."""

    __slots__ = ("_body", "_headers", "_note", "_query", "_received_at", "_source_ip")
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
        note: Callable[[str], None] | None = None,
    ) -> None:
        self._headers = {name.lower(): value for name, value in headers.items()}
        self._body = raw_body
        self._query = dict(query)
        self._source_ip = source_ip
        self._received_at = received_at
        self._note = note

    # vendors ------------------------------------------------------------------------------

    def github(self, secret: str) -> bool:
        """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`."""
        return self._verdict("github", self._hmac(secret, "X-Hub-Signature-256", prefix="sha256="))

    def gitlab(self, token: str) -> bool:
        """`X-Gitlab-Token` equals the webhook's secret token."""
        return self._verdict("gitlab", self._token(token, "X-Gitlab-Token", None))

    def bitbucket(self, secret: str) -> bool:
        """Bitbucket Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`."""
        return self._verdict("bitbucket", self._hmac(secret, "X-Hub-Signature", prefix="sha256="))

    def shopify(self, secret: str) -> bool:
        """`X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`."""
        check = self._hmac(secret, "X-Shopify-Hmac-Sha256", encoding="base64")
        return self._verdict("shopify", check)

    def slack(self, signing_secret: str, tolerance: float = 300) -> bool:
        """`X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`, with
        `X-Slack-Request-Timestamp` within `tolerance` seconds of arrival."""
        return self._verdict("slack", self._slack(signing_secret, tolerance))

    def stripe(self, secret: str, tolerance: float = 300) -> bool:
        """`Stripe-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=...]`:
        any v1 signature may match (secrets being rolled), `t` within `tolerance`."""
        return self._verdict("stripe", self._stripe(secret, tolerance))

    def standard(self, secret: str, tolerance: float = 300) -> bool:
        """Standard Webhooks (and Svix): `webhook-signature: v1,<base64> [v1,<base64>...]`
        over "<webhook-id>.<webhook-timestamp>.<body>"; secrets may start with `whsec_`, and
        their base64 may leave out its padding, as the senders' libraries allow."""
        return self._verdict("standard", self._standard(secret, tolerance))

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
        return self._verdict("hmac", self._hmac(secret, header, algorithm, encoding, prefix))

    def basic_auth(self, user: str, password: str) -> bool:
        """`Authorization: Basic <base64 of user:password>`."""
        return self._verdict("basic_auth", self._basic_auth(user, password))

    def token(self, expected: str, header: str | None = None, query: str | None = None) -> bool:
        """A shared token: in `header`, in the `query` parameter, or else as
        `Authorization: Bearer <token>`."""
        return self._verdict("token", self._token(expected, header, query))

    def ip_in(self, *cidrs: str) -> bool:
        """The sender's address is in one of the networks (`"192.30.252.0/22"`, `"::1"`)."""
        return self._verdict("ip_in", self._ip_in(cidrs))

    # the checks: each returns why it failed, or None ------------------------------------------

    def _slack(self, signing_secret: str, tolerance: float) -> str | None:
        timestamp = self._headers.get("x-slack-request-timestamp", "")
        if stale := self._stale("X-Slack-Request-Timestamp", timestamp, tolerance):
            return stale
        given = self._headers.get("x-slack-signature", "")
        if not given.startswith("v0="):
            return _absent("X-Slack-Signature", given, "v0=<hex>")
        signed = b"v0:" + timestamp.encode() + b":" + self._body
        expected = _digest(signing_secret, signed, "sha256", "hex")
        return _compared("X-Slack-Signature", given[3:], expected)

    def _stripe(self, secret: str, tolerance: float) -> str | None:
        fields = [
            part.partition("=") for part in self._headers.get("stripe-signature", "").split(",")
        ]
        timestamps = [value.strip() for key, _, value in fields if key.strip() == "t"]
        signatures = [value.strip() for key, _, value in fields if key.strip() == "v1"]
        if len(timestamps) != 1:
            return "Stripe-Signature missing, or without exactly one t="
        if stale := self._stale("Stripe-Signature's t", timestamps[0], tolerance):
            return stale
        expected = _digest(secret, timestamps[0].encode() + b"." + self._body, "sha256", "hex")
        return _any_compared("Stripe-Signature's v1", signatures, expected)

    def _standard(self, secret: str, tolerance: float) -> str | None:
        message_id = self._first("webhook-id", "svix-id")
        timestamp = self._first("webhook-timestamp", "svix-timestamp")
        key = _standard_key(secret)
        if not message_id:
            return "webhook-id (or svix-id) missing"
        if key is None:
            return "the secret is not base64 (after an optional whsec_)"
        if stale := self._stale("webhook-timestamp", timestamp, tolerance):
            return stale
        signed = f"{message_id}.{timestamp}.".encode() + self._body
        expected = base64.b64encode(_hmac.new(key, signed, hashlib.sha256).digest()).decode()
        candidates = self._first("webhook-signature", "svix-signature").split()
        given = [
            value for version, _, value in (c.partition(",") for c in candidates) if version == "v1"
        ]
        return _any_compared("webhook-signature's v1", given, expected)

    def _hmac(
        self,
        secret: str,
        header: str,
        algorithm: str = "sha256",
        encoding: str = "hex",
        prefix: str = "",
    ) -> str | None:
        if algorithm not in _ALGORITHMS or encoding not in ("hex", "base64"):
            return f"unknown algorithm or encoding: {algorithm!r}, {encoding!r}"
        given = self._headers.get(header.lower(), "")
        if not given.startswith(prefix) or not given:
            return _absent(header, given, f"{prefix}<{encoding}>")
        expected = _digest(secret, self._body, algorithm, encoding)
        return _compared(header, given[len(prefix) :], expected)

    def _basic_auth(self, user: str, password: str) -> str | None:
        scheme, _, credentials = self._headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return "Authorization missing, or not Basic"
        if not user or not isinstance(password, str):
            return "the expected user or password is empty"
        try:
            given = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "Authorization's credentials are not base64"
        if not _equal(given, f"{user}:{password}".encode()):
            return "Authorization's user and password do not match"
        return None

    def _token(self, expected: str, header: str | None, query: str | None) -> str | None:
        if not expected or not isinstance(expected, str):
            return "the expected token is empty"
        if header is not None:
            given, where = self._headers.get(header.lower(), ""), header
        elif query is not None:
            given, where = self._query.get(query, ""), f"query parameter {query}"
        else:
            scheme, _, bearer = self._headers.get("authorization", "").partition(" ")
            given, where = bearer.strip() if scheme.lower() == "bearer" else "", "Bearer token"
        if not given:
            return f"{where} missing"
        return None if _equal(given, expected) else f"{where} does not match the token"

    def _ip_in(self, cidrs: tuple[str, ...]) -> str | None:
        try:
            address = ipaddress.ip_address(self._source_ip)
        except ValueError:
            return "the source address is not an IP address"
        for cidr in cidrs:
            try:
                if address in ipaddress.ip_network(cidr, strict=False):
                    return None
            except (TypeError, ValueError):
                continue
        return f"{address} is in none of the {len(cidrs)} networks"

    # helpers ------------------------------------------------------------------------------

    def _verdict(self, check: str, failure: str | None) -> bool:
        """True when nothing failed; else False, and `note` hears which part failed."""
        if failure is not None and self._note is not None:
            self._note(f"verify.{check}: {failure}")
        return failure is None

    def _first(self, *names: str) -> str:
        return next((self._headers[name] for name in names if name in self._headers), "")

    def _stale(self, name: str, timestamp: str, tolerance: float) -> str | None:
        """Why `timestamp` is not an integer Unix time within `tolerance` seconds of the
        message's arrival; None when it is."""
        if not (timestamp.isascii() and timestamp.isdigit()):
            return _absent(name, timestamp, "a Unix time")
        off = self._received_at.timestamp() - int(timestamp)
        if abs(off) > tolerance:
            return (
                f"{name} is {abs(off):.0f} s from the message's arrival (tolerance {tolerance:g} s)"
            )
        return None


def _absent(name: str, given: str, shape: str) -> str:
    return f"{name} missing" if not given else f"{name} is not {shape}"


def _compared(name: str, given: str, expected: str | None) -> str | None:
    if expected is None:
        return "the secret is empty"
    return None if _equal(given, expected) else f"{name} does not match the body with this secret"


def _any_compared(name: str, given: list[str], expected: str | None) -> str | None:
    if expected is None:
        return "the secret is empty"
    if not given:
        return f"{name} missing"
    matched = _any_equal(given, expected)
    return None if matched else f"no {name} matches the body with this secret"


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
    encoded = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
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
