"""Refuse requests the routes cannot read, before any route runs: a body that is not JSON
(or YAML) by its content type (415), a body that is not UTF-8, JSON, a path or a query
carrying a lone surrogate ("\\ud800", which JSON and percent-encoding can carry and UTF-8
cannot) (400). Routes then never meet such text half-way through a write (an SSM parameter
written, the DynamoDB item refused)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.text import require_text
from webhook_engine.pipeline.http_api import error_response

# What the routes read: JSON, and YAML for PUT /config.
BODY_TYPES = frozenset(
    {"", "application/json", "application/yaml", "application/x-yaml", "text/yaml"}
)
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def malformed(event: Any) -> dict[str, Any] | None:
    """A 415 or 400 response for such a request; None for any other (the routes validate
    the rest)."""
    if not isinstance(event, dict):
        return None
    if _unreadable_type(event):
        return error_response(415, "unsupported_media_type", "the body must be JSON (or YAML)")
    try:
        require_text(event.get("rawPath"), "path")
        require_text(event.get("pathParameters"), "path")
        require_text(event.get("queryStringParameters"), "query")
        require_text(_body(event), "body")
    except InvalidRequestError as error:
        return error_response(400, error.code, error.message)
    return None


def _unreadable_type(event: dict[str, Any]) -> bool:
    """A body the route would parse, in a content type it does not read."""
    try:
        method = str(event["requestContext"]["http"]["method"]).upper()
    except (KeyError, TypeError):
        return False
    headers = event.get("headers")
    declared = headers.get("content-type", "") if isinstance(headers, dict) else ""
    kind = str(declared).split(";")[0].strip().lower()
    return method in WITH_BODY and bool(event.get("body")) and kind not in BODY_TYPES


def _body(event: dict[str, Any]) -> object:
    """The body as text, parsed when it is JSON."""
    body = event.get("body")
    if not isinstance(body, str):
        return None
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise InvalidRequestError("body is not UTF-8 text") from error
    require_text(body, "body")
    try:
        return json.loads(body)
    except ValueError:
        return None  # not JSON: YAML, or refused by the route
