"""The console's files under /console/: static, without authorization, precompressed.

`make build` writes the built console (`console/`, a single-page app) to `src/admin/console/`,
beside this package, so that `sam build` packages it with the function; without node it is
not built and /console/ answers 404 saying so. Hashed assets are cached for a year, everything
else revalidated; every answer carries the console's Content-Security-Policy. /console itself,
and any other path under it but a file's, is the app's own route: it gets index.html.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from admin import API_PREFIX
from webhook_engine.settings import Settings, get_settings

PREFIX = "/console"
ROOT = Path(__file__).resolve().parents[1] / "console"
IMMUTABLE = "public, max-age=31536000, immutable"  # assets/ names carry their content's hash
REVALIDATE = "no-cache"
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # preferred first
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def served(event: Any) -> dict[str, Any] | None:
    """The answer to a request under /console, or None for any other path."""
    path = event.get("rawPath") if isinstance(event, dict) else None
    if not isinstance(path, str) or not (path == PREFIX or path.startswith(PREFIX + "/")):
        return None
    method = _method(event)
    if method not in ("GET", "HEAD"):
        return _answer(405, "text/plain", b"GET or HEAD", {"allow": "GET, HEAD"})
    relative = path.removeprefix(PREFIX).removeprefix("/")
    if relative == "config.json":
        document = json.dumps(client_config(get_settings())).encode()
        return _answer(200, "application/json", document, {"cache-control": REVALIDATE})
    return _file(relative, _header(event, "accept-encoding"))


def client_config(settings: Settings) -> dict[str, str]:
    """What the console needs to sign in and call the API (no secret: a public client)."""
    return {
        "api": API_PREFIX,
        "authorize_url": settings.console_authorize_url,
        "token_url": settings.console_token_url,
        "client_id": settings.console_client_id,
        "scopes": settings.console_scopes,
    }


def policy(settings: Settings) -> str:
    """The Content-Security-Policy: the console's own origin, and the token endpoint it posts
    the authorization code to (the hosted UI is a navigation, which CSP does not govern)."""
    token = urlsplit(settings.console_token_url)
    connect = " ".join(["'self'", *([f"{token.scheme}://{token.netloc}"] if token.netloc else [])])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"font-src 'self'; connect-src {connect}; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


def _file(relative: str, accepted: str) -> dict[str, Any]:
    target = _resolve(relative)
    if target is None:
        return _not_found(relative)
    kind = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "text/plain"
    cache = IMMUTABLE if relative.startswith("assets/") else REVALIDATE
    headers = {"cache-control": cache, "vary": "accept-encoding"}
    for encoding, suffix in ENCODINGS:
        compressed = target.with_name(target.name + suffix)
        if encoding in accepted and compressed.is_file():
            headers["content-encoding"] = encoding
            return _answer(200, kind, compressed.read_bytes(), headers)
    return _answer(200, kind, target.read_bytes(), headers)


def _resolve(relative: str) -> Path | None:
    """The built file `relative` names; index.html for the app's own routes; None for a
    missing asset, or a path that would leave the console's folder."""
    parts = PurePosixPath(relative).parts
    if not all(_plain(part) for part in parts):
        return None
    target = ROOT.joinpath(*parts) if parts else ROOT / "index.html"
    if target.is_file() and target.resolve().is_relative_to(ROOT.resolve()):
        return target
    if relative.startswith("assets/") or "." in PurePosixPath(relative).name:
        return None  # a file's name that is not there: no page stands for it
    index = ROOT / "index.html"
    return index if index.is_file() else None


def _plain(part: str) -> bool:
    """A path segment that names an entry of its folder: no `..`, `.`, backslash or NUL."""
    return part not in ("..", ".") and "\\" not in part and "\x00" not in part


def _not_found(relative: str) -> dict[str, Any]:
    built = (ROOT / "index.html").is_file()
    reason = "no such file" if built else "the console is not built here (make build needs npm)"
    return _answer(404, "text/plain", f"{reason}: {relative}".encode(), {})


def _answer(status: int, kind: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    charset = "; charset=utf-8" if kind.startswith("text/") or kind.endswith("json") else ""
    return {
        "statusCode": status,
        "headers": {
            "content-type": kind + charset,
            "content-security-policy": policy(get_settings()),
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            **headers,
        },
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


def _method(event: dict[str, Any]) -> str:
    try:
        return str(event["requestContext"]["http"]["method"]).upper()
    except (KeyError, TypeError):
        return ""


def _header(event: dict[str, Any], name: str) -> str:
    headers = event.get("headers")
    value = headers.get(name, "") if isinstance(headers, dict) else ""
    return value if isinstance(value, str) else ""
