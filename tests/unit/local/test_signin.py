"""The local sign-in: authorization code with PKCE, as Cognito's hosted UI answers it."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from webhooks_local.signin import CLIENT_ID, LocalSignIn
from webhooks_testbed.apigateway import HttpRequest, HttpResponse

ORIGIN = "http://127.0.0.1:3001"
REDIRECT = ORIGIN + "/console/callback"
VERIFIER = "v" * 64
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)


def call(sign_in: LocalSignIn, method: str, path: str, form: dict[str, str]) -> HttpResponse:
    encoded = urlencode(form)
    target, body = (f"{path}?{encoded}", b"") if method == "GET" else (path, encoded.encode())
    answer = sign_in.respond(HttpRequest(method, target, [], body, "127.0.0.1", 3001))
    assert answer is not None
    return answer


def authorization(**changes: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "state": "s1",
    } | changes


@pytest.fixture
def sign_in(tmp_path: Path) -> LocalSignIn:
    state = tmp_path / "stack.json"
    tokens = {"viewer": "tv", "operator": "to", "editor": "te"}
    state.write_text(json.dumps({"admin_token": "admin", "tokens": tokens}))
    return LocalSignIn(ORIGIN, state)


def code_for(sign_in: LocalSignIn, role: str) -> str:
    granted = call(sign_in, "POST", "/oauth2/authorize", authorization(role=role))
    location = dict(granted.headers)["location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def exchange(sign_in: LocalSignIn, code: str, verifier: str = VERIFIER) -> HttpResponse:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    return call(sign_in, "POST", "/oauth2/token", form)


def test_the_page_offers_one_button_per_role(sign_in: LocalSignIn):
    # When the console sends the browser to the authorize page
    page = call(sign_in, "GET", "/oauth2/authorize", authorization()).body.decode()
    # Then it offers each role
    for role in ("viewer", "operator", "editor"):
        assert f"Sign in as {role}</button>" in page


@pytest.mark.parametrize("role", ["viewer", "operator", "editor"])
def test_a_code_and_its_verifier_give_that_roles_token(sign_in: LocalSignIn, role: str):
    # Given a code granted for a role
    code = code_for(sign_in, role)
    # When it is exchanged with the verifier
    answer = exchange(sign_in, code)
    # Then the stack's token for that role comes back
    assert (
        json.loads(answer.body)["access_token"]
        == {"viewer": "tv", "operator": "to", "editor": "te"}[role]
    )


def test_a_code_works_once_and_only_with_its_verifier(sign_in: LocalSignIn):
    # Given a code
    code = code_for(sign_in, "editor")
    # When it is exchanged with another verifier, then again with the right one
    wrong = exchange(sign_in, code, verifier="w" * 64)
    again = exchange(sign_in, code)
    # Then both are refused: the first spent it
    assert (wrong.status, again.status) == (400, 400)


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uri": "https://evil.example/console/callback"},
        {"redirect_uri": ORIGIN + ".evil.example/console/callback"},
        {"client_id": "someone-else"},
        {"code_challenge_method": "plain"},
        {"code_challenge": "short"},
        {"response_type": "token"},
        {"role": "admin"},
    ],
)
def test_requests_outside_the_flow_are_refused(sign_in: LocalSignIn, changes: dict[str, str]):
    # When the authorization is asked with any field off
    answer = call(sign_in, "POST", "/oauth2/authorize", authorization(role="editor") | changes)
    # Then no code is granted, and the refusal is text, not markup
    assert answer.status == 400
    assert "location" not in dict(answer.headers)


def test_the_page_escapes_what_it_echoes(sign_in: LocalSignIn):
    # When the state carries markup
    page = call(sign_in, "GET", "/oauth2/authorize", authorization(state='"><script>x</script>'))
    # Then it is echoed escaped, under a policy without scripts
    assert b"<script>" not in page.body
    assert "script-src" not in dict(page.headers)["content-security-policy"]


def test_a_stack_without_a_roles_token_signs_nobody_in_as_that_role(tmp_path: Path):
    # Given a state file whose tokens lack the viewer's (the admin token is no role's token)
    state = tmp_path / "stack.json"
    state.write_text(json.dumps({"admin_token": "admin", "tokens": {"editor": "e"}}))
    sign_in = LocalSignIn(ORIGIN, state)
    # When the editor and the viewer sign in
    editor = exchange(sign_in, code_for(sign_in, "editor"))
    viewer = exchange(sign_in, code_for(sign_in, "viewer"))
    # Then the editor gets its token, and the viewer a refusal
    assert json.loads(editor.body)["access_token"] == "e"
    assert viewer.status == 400
