"""The console's files as the admin function serves them: no authorization, precompressed,
cached by name, under the CSP, and nothing outside the console's folder."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from admin import console
from admin.app import answer
from tests.conftest import new_context
from webhook_engine.settings import Settings


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "console"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>console</title>")
    (root / "assets" / "index-abc123.js").write_text("console.log(1)")
    (root / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    (tmp_path / "secret.py").write_text("TOKEN = 'x'")
    monkeypatch.setattr(console, "ROOT", root)
    return root


def get(path: str, method: str = "GET", accept: str = "") -> dict[str, Any]:
    event = {
        "rawPath": path,
        "headers": {"accept-encoding": accept} if accept else {},
        "requestContext": {"http": {"method": method, "path": path}},
    }
    return answer(event, new_context())


def text(response: dict[str, Any]) -> bytes:
    return base64.b64decode(response["body"])


def test_files_need_no_identity_and_carry_the_policy(built: Path):
    # Given no authorizer context at all
    # When the index is asked for
    response = get("/console")
    # Then it is served, revalidated each time, under a CSP without inline code or framing
    assert response["statusCode"] == 200
    assert response["headers"]["cache-control"] == "no-cache"
    policy = response["headers"]["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy


def test_hashed_assets_are_immutable_and_precompressed(built: Path):
    # When an asset is asked for by a browser that takes gzip, then by one that does not
    zipped = get("/console/assets/index-abc123.js", accept="gzip, deflate, br")
    plain = get("/console/assets/index-abc123.js")
    # Then the precompressed copy goes to the first, the file itself to the second
    assert zipped["headers"]["content-encoding"] == "gzip"
    assert gzip.decompress(text(zipped)) == b"console.log(1)"
    assert "content-encoding" not in plain["headers"]
    assert plain["headers"]["cache-control"] == "public, max-age=31536000, immutable"
    assert plain["headers"]["content-type"].startswith("text/javascript")


def test_the_apps_routes_get_the_index_and_missing_files_404(built: Path):
    # When an app route, a missing asset and a missing file are asked for
    # Then the route is the index, the others are 404
    assert text(get("/console/messages/abc")).startswith(b"<!doctype html>")
    assert get("/console/assets/gone-123.js")["statusCode"] == 404
    assert get("/console/robots.txt")["statusCode"] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/console/../secret.py",
        "/console/assets/../../secret.py",
        "/console/./../secret.py",
        "/console/..\\secret.py",
        "/console/assets/index-abc123.js\x00.html",
        "/console//etc/passwd",
    ],
)
def test_no_path_leaves_the_console_folder(built: Path, path: str):
    # When a path tries to climb out of the folder
    response = get(path)
    # Then nothing outside it is read
    assert b"TOKEN" not in text(response)
    assert response["statusCode"] in (200, 404)


def test_only_reads_are_served(built: Path):
    # When anything but GET or HEAD comes to /console
    response = get("/console/index.html", method="POST")
    # Then it is refused with the methods it takes
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET, HEAD"


def test_config_names_the_sign_in_from_settings(monkeypatch: pytest.MonkeyPatch):
    # Given a deployment's sign-in settings
    settings = Settings(
        console_authorize_url="https://auth.example.com/oauth2/authorize",
        console_token_url="https://auth.example.com/oauth2/token",
        console_client_id="abc",
    )
    # When the console's config and policy are made of them
    config = console.client_config(settings)
    policy = console.policy(settings)
    # Then the config holds no secret, and the token endpoint alone joins connect-src
    assert config == {
        "api": "/admin/v1",
        "authorize_url": "https://auth.example.com/oauth2/authorize",
        "token_url": "https://auth.example.com/oauth2/token",
        "client_id": "abc",
        "scopes": "openid email",
    }
    assert "connect-src 'self' https://auth.example.com;" in policy
    assert json.loads(text(get("/console/config.json")))["api"] == "/admin/v1"
