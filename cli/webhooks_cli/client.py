"""The admin API client: URLs, authentication, JSON in and out, errors as ApiError."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from webhooks_cli import transport
from webhooks_cli.auth import Auth
from webhooks_cli.errors import ApiError

QueryValue = str | int | bool | None
JSON_TYPE = "application/json"


class AdminClient:
    """Calls `/admin/v1` of one stack; answers are parsed JSON, text, or None (204)."""

    def __init__(self, admin_url: str, auth: Auth) -> None:
        self.admin_url = admin_url.rstrip("/")
        self._auth = auth

    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, QueryValue] | None = None,
        body: Any = None,
        content_type: str = JSON_TYPE,
    ) -> Any:
        """Send one request; a str body is sent as is, anything else as JSON."""
        url = self.admin_url + path + _query_string(query or {})
        data = _encode(body)
        headers = {"Content-Type": content_type} if data is not None else {}
        signed = self._auth.sign(method, url, headers, data or b"")
        reply = transport.call(method, url, signed, data)
        if reply.status >= 400:
            raise _api_error(reply)
        return reply.parsed()

    def get(self, path: str, **query: QueryValue) -> Any:
        return self.request("GET", path, query)

    def download(self, path: str) -> bytes:
        """The raw bytes at `path`, following a redirect to a presigned link without credentials."""
        url = self.admin_url + path
        reply = transport.call("GET", url, self._auth.sign("GET", url, {}, b""))
        if reply.status in (301, 302, 303, 307, 308) and reply.location:
            reply = transport.call("GET", reply.location, {})
        if reply.status >= 400:
            raise _api_error(reply)
        return reply.body

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body=body)

    def delete(self, path: str, **query: QueryValue) -> Any:
        return self.request("DELETE", path, query)


def segment(value: str) -> str:
    """One path segment, percent-encoded."""
    return quote(value, safe="")


def _query_string(query: Mapping[str, QueryValue]) -> str:
    """`?a=1&b=x%20y` (SigV4 wants %20, not +); None values are left out."""
    pairs = {k: _query_value(v) for k, v in query.items() if v is not None}
    return "?" + urlencode(pairs, quote_via=quote) if pairs else ""


def _query_value(value: str | int | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _encode(body: Any) -> bytes | None:
    if body is None:
        return None
    text = body if isinstance(body, str) else json.dumps(body)
    return text.encode()


def _api_error(reply: transport.HttpReply) -> ApiError:
    """`{"error": {code, message}}` from our API, `{"message"}` from API Gateway, or the text."""
    data = reply.parsed()
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return ApiError(reply.status, str(error.get("code", "")), str(error.get("message", "")))
    if isinstance(data, dict) and "message" in data:
        return ApiError(reply.status, "", str(data["message"]))
    text = reply.text.strip() or reply.reason
    return ApiError(reply.status, "", f"HTTP {reply.status}: {text}")
