"""The local sign-in of the console: Cognito's hosted UI played on the console's port.

The console signs in with the authorization code flow and PKCE, as on AWS. Here the authorize
page offers one button per role; the token endpoint checks the code verifier against the
challenge and hands out the stack's token for that role, read from the state file's `tokens`
(a stack without them, from before the roles, has one token: the admin token, the editor's).
Codes are single-use, bound to the client, redirect URI and challenge, and expire in a minute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from webhooks_testbed.apigateway import HttpRequest, HttpResponse

CLIENT_ID = "local-console"
ROLES = ("viewer", "operator", "editor")
CODE_SECONDS = 60.0
AUTHORIZE = "/oauth2/authorize"
TOKEN = "/oauth2/token"
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


@dataclass(frozen=True)
class Grant:
    role: str
    redirect_uri: str
    challenge: str
    expires: float


class LocalSignIn:
    """The authorize page and the token endpoint, for the console at `origin`."""

    def __init__(self, origin: str, state_path: Path) -> None:
        self.origin = origin
        self.state_path = state_path
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def respond(self, request: HttpRequest) -> HttpResponse | None:
        """The answer to a sign-in request, None for any other."""
        path = request.path
        if path == "/":
            return HttpResponse(302, [("location", "/console")], b"")
        if path == AUTHORIZE and request.method == "GET":
            return self._page(dict(parse_qsl(urlsplit(request.target).query)))
        if path == AUTHORIZE and request.method == "POST":
            return self._grant(dict(parse_qsl(request.body.decode("utf-8", "replace"))))
        if path == TOKEN and request.method == "POST":
            return self._token(dict(parse_qsl(request.body.decode("utf-8", "replace"))))
        return None

    def _invalid(self, form: dict[str, str]) -> str | None:
        """Why an authorization request is refused, or None."""
        if form.get("client_id") != CLIENT_ID or form.get("response_type") != "code":
            return "unknown client or response type"
        redirect = form.get("redirect_uri", "")
        if not redirect.startswith(self.origin + "/console/"):
            return "the redirect URI is not the console's"
        if form.get("code_challenge_method") != "S256" or len(form.get("code_challenge", "")) < 43:
            return "PKCE with S256 is required"
        return None

    def _page(self, query: dict[str, str]) -> HttpResponse:
        refused = self._invalid(query)
        if refused:
            return _html(400, f"<p>{html.escape(refused)}</p>")
        fields = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in query.items()
        )
        buttons = "".join(
            f'<button name="role" value="{role}">Sign in as {role}</button>' for role in ROLES
        )
        return _html(200, f'<form method="post" action="{AUTHORIZE}">{fields}{buttons}</form>')

    def _grant(self, form: dict[str, str]) -> HttpResponse:
        refused = self._invalid(form) or (None if form.get("role") in ROLES else "unknown role")
        if refused:
            return _html(400, f"<p>{html.escape(refused)}</p>")
        code = secrets.token_urlsafe(24)
        grant = Grant(
            form["role"],
            form["redirect_uri"],
            form["code_challenge"],
            time.monotonic() + CODE_SECONDS,
        )
        with self._lock:
            self._grants[code] = grant
        answer = urlencode({"code": code, "state": form.get("state", "")})
        return HttpResponse(302, [("location", f"{form['redirect_uri']}?{answer}")], b"")

    def _token(self, form: dict[str, str]) -> HttpResponse:
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None or grant.expires < time.monotonic():
            return _oauth_error("invalid_grant", "unknown, used or expired code")
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if not hmac.compare_digest(digest, grant.challenge.encode()):
            return _oauth_error("invalid_grant", "the code verifier does not match")
        if form.get("redirect_uri") != grant.redirect_uri or form.get("client_id") != CLIENT_ID:
            return _oauth_error("invalid_grant", "another client or redirect URI")
        token = self._role_token(grant.role)
        if token is None:
            return _oauth_error("invalid_grant", f"this stack has no {grant.role} token")
        body = {"access_token": token, "id_token": token, "token_type": "Bearer"}
        return _json(200, {**body, "expires_in": 3600})

    def _role_token(self, role: str) -> str | None:
        tokens = json.loads(self.state_path.read_text(encoding="utf-8")).get("tokens")
        return tokens.get(role) if isinstance(tokens, dict) else None


def _html(status: int, content: str) -> HttpResponse:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Sign in: Incoming Webhooks (local)</title>"
        '<link rel="stylesheet" href="/console/signin.css"></head><body><main>'
        "<h1>Incoming Webhooks</h1><p>Local sign-in: pick the role to sign in with.</p>"
        f"{content}</main></body></html>"
    )
    headers = [
        ("content-type", "text/html; charset=utf-8"),
        ("content-security-policy", PAGE_POLICY),
        ("cache-control", "no-store"),
    ]
    return HttpResponse(status, headers, page.encode())


def _json(status: int, document: dict[str, object]) -> HttpResponse:
    headers = [("content-type", "application/json"), ("cache-control", "no-store")]
    return HttpResponse(status, headers, json.dumps(document).encode())


def _oauth_error(code: str, description: str) -> HttpResponse:
    return _json(400, {"error": code, "error_description": description})
