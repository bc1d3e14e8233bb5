"""API Gateway HTTP API (payload 2.0) events in, proxy responses out."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from pydantic import ValidationError

from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import IncomingRequest
from webhook_engine.domain.text import require_text
from webhook_engine.domain.uris import normalise_uri

BASE_PATH = "/webhooks/"
# An event's time stamp is this request's when within this much of the function's clock: a
# synchronous invocation lasts at most 30 s; clocks may differ by a little.
EVENT_AGE = timedelta(minutes=15)
CLOCK_SKEW = timedelta(minutes=5)


def parse_event(event: dict[str, Any]) -> IncomingRequest:
    """Turn an HTTP API event into a request; the body is kept byte for byte.

    Anything else is an InvalidRequestError: the model's validators can raise more than
    ValidationError on values of the wrong type (a source IP that is not a string).
    """
    try:
        parsed = APIGatewayProxyEventV2Model.model_validate(event)
    except ValidationError as error:
        count = error.error_count()
        raise InvalidRequestError(f"not an HTTP API payload 2.0 event ({count} errors)") from error
    except (TypeError, ValueError, AttributeError) as error:
        raise InvalidRequestError(f"not an HTTP API payload 2.0 event ({error})") from error
    context = parsed.requestContext
    headers = dict(parsed.headers)
    if parsed.cookies:
        headers["cookie"] = "; ".join(parsed.cookies)
    request = IncomingRequest(
        request_id=context.requestId,
        method=context.http.method.upper(),
        uri=_uri(parsed),
        query_string=parsed.rawQueryString,
        headers=headers,
        body=_body(event.get("body"), bool(parsed.isBase64Encoded)),
        source_ip=str(context.http.sourceIp).removesuffix("/32"),
        received_at=arrival(context.timeEpoch, datetime.now(UTC)),
    )
    _require_text(request)
    return request


def arrival(stamped: datetime | None, now: datetime) -> datetime:
    """When the request arrived: API Gateway's time stamp, unless it cannot be this request's
    (missing, past the window, or ahead of this clock); then this clock. Message ids and
    retention count from it."""
    if stamped is None:
        return now
    stamped = stamped.astimezone(UTC)
    return stamped if now - EVENT_AGE <= stamped <= now + CLOCK_SKEW else now


def _require_text(request: IncomingRequest) -> None:
    """Text a DynamoDB item can hold."""
    require_text(request.uri, "uri")
    require_text(request.method, "method")
    require_text(request.query_string, "query string")
    require_text(request.request_id, "request id")
    require_text(request.source_ip, "source ip")
    require_text(request.headers, "headers")


def _uri(parsed: APIGatewayProxyEventV2Model) -> str:
    """The path after the base path, normalised as configured URIs are."""
    if parsed.pathParameters and "uri" in parsed.pathParameters:
        return normalise_uri(parsed.pathParameters["uri"])
    path = unquote(parsed.rawPath)
    return normalise_uri(path.removeprefix(BASE_PATH))


def _body(body: str | None, is_base64: bool) -> bytes:
    if not body:
        return b""
    if not is_base64:
        try:  # surrogate escapes stand for the bytes a decoder could not read
            return body.encode("utf-8", errors="surrogateescape")
        except UnicodeEncodeError as error:
            raise InvalidRequestError(
                "body is not valid Unicode text (a lone surrogate); send it base64-encoded"
            ) from error
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as error:
        raise InvalidRequestError("body is marked base64 but is not valid base64") from error


def json_response(
    status: int, payload: object, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A proxy integration response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"} | (headers or {}),
        "body": json.dumps(payload, separators=(",", ":"), default=str),
    }


def error_response(status: int, code: str, message: str) -> dict[str, Any]:
    """The error shape of the admin API and of ingest's refusals."""
    return json_response(status, {"error": {"code": code, "message": message}})
