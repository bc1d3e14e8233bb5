"""API Gateway HTTP API, payload format 2.0: routes, request events and Lambda responses."""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from webhooks_testbed import template as cfn

# An HTTP API's request quotas: a body of at most 10 MB, and at most 10,240 bytes for the
# request line and the header values together; a request over either is refused unread.
BODY_LIMIT = 10 * 1024 * 1024
HEADER_LIMIT = 10240
TEXT_MARKERS = ("json", "xml", "javascript", "x-www-form-urlencoded")
_PARAMETER = re.compile(r"\{(\w+)(\+?)\}")


@dataclass(frozen=True)
class Route:
    """The `HttpApi` events of a function on one path: `ANY /webhooks/{uri+}`; `iam` when
    one's API (or the event itself) sets the AWS_IAM authorizer, `jwt` when one's sets a JWT
    authorizer. Locally one gateway serves every API, so a path two APIs share (the admin
    API's, for machines and for people) is one route taking both credentials."""

    method: str
    path: str
    function_id: str
    iam: bool = False
    jwt: bool = False

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def greedy(self) -> bool:
        return "+}" in self.path

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when the request is on this route, else None."""
        if self.method not in ("ANY", method):
            return None
        found = _pattern(self.path).fullmatch(path)
        return found.groupdict() if found else None


@functools.cache
def _pattern(path: str) -> re.Pattern[str]:
    """`/webhooks/{uri+}` as a regular expression: `{name}` is one segment, `{name+}` the rest."""
    parts = _PARAMETER.split(path)
    pattern = re.escape(parts[0])
    for name, greedy, literal in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        pattern += f"(?P<{name}>{'.+' if greedy else '[^/]+'}){re.escape(literal)}"
    return re.compile(pattern, re.DOTALL)  # a path may hold any character, decoded


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    """The template's HttpApi routes, most specific first (as API Gateway chooses)."""
    template = template or cfn.load_template()
    merged: dict[tuple[str, str, str], Route] = {}
    for function_id in cfn.functions(template):
        for event in cfn.function_spec(function_id, template).events.values():
            if event.type != "HttpApi":
                continue
            method, path = str(event.properties["Method"]).upper(), str(event.properties["Path"])
            route = merged.get((method, path, function_id), Route(method, path, function_id))
            kind = _authorizer(event.properties, template)
            merged[(method, path, function_id)] = dataclasses.replace(
                route,
                iam=route.iam or kind == "AWS_IAM",
                jwt=route.jwt or _is_jwt(event.properties, kind, template),
            )
    found = list(merged.values())
    return sorted(found, key=lambda route: (route.greedy, route.method == "ANY", -len(route.path)))


def _is_jwt(event: dict[str, Any], name: str, template: dict[str, Any]) -> bool:
    """Whether the authorizer `name` of the event's API is a JWT authorizer."""
    api_id = event.get("ApiId")
    api = template["Resources"].get(api_id, {}) if isinstance(api_id, str) else {}
    authorizers = api.get("Properties", {}).get("Auth", {}).get("Authorizers", {})
    return "JwtConfiguration" in authorizers.get(name, {})


def _authorizer(event: dict[str, Any], template: dict[str, Any]) -> str:
    """The authorizer of an HttpApi event: its own `Auth.Authorizer`, else its API's
    `Auth.DefaultAuthorizer` (the API's properties over Globals.HttpApi), else NONE."""
    api_id = event.get("ApiId")
    api = template["Resources"].get(api_id, {}) if isinstance(api_id, str) else {}
    api = api.get("Properties", {})
    auth = template.get("Globals", {}).get("HttpApi", {}).get("Auth", {}) | api.get("Auth", {})
    return str(event.get("Auth", {}).get("Authorizer", auth.get("DefaultAuthorizer", "NONE")))


def find_route(table: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route that takes the request, with its path parameters."""
    for route in table:
        parameters = route.match(method, path)
        if parameters is not None:
            return route, parameters
    return None


@dataclass(frozen=True)
class HttpRequest:
    """A request as the gateway received it."""

    method: str
    target: str  # path and query string, as on the request line
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    server_port: int
    protocol: str = "HTTP/1.1"

    @property
    def path(self) -> str:
        """The URL-decoded path, as HTTP APIs deliver it."""
        return unquote(self.target.partition("?")[0])


@dataclass(frozen=True)
class HttpResponse:
    """What the gateway writes back."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def is_textual(content_type: str) -> bool:
    """Whether a body of this media type is passed as text rather than base64."""
    media = content_type.partition(";")[0].strip().lower()
    return media.startswith("text/") or any(marker in media for marker in TEXT_MARKERS)


def encode_body(body: bytes, content_type: str) -> tuple[str, bool]:
    """The event's `body` and `isBase64Encoded` for these bytes."""
    if is_textual(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _headers(request: HttpRequest) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers, repeats joined with commas; cookies apart, as in payload 2.0."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies += [cookie.strip() for cookie in value.split(";") if cookie.strip()]
        else:
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    )
    headers["x-forwarded-port"] = str(request.server_port)
    headers["x-forwarded-proto"] = "http"
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
    return headers, cookies


def _query(raw_query: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    return query


def build_event(
    request: HttpRequest,
    route: Route,
    path_parameters: dict[str, str],
    *,
    request_id: str,
    authorizer: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The HTTP API payload 2.0 event that Lambda receives for this request; `authorizer`
    (what the route's authorizer made of the request) goes to `requestContext.authorizer`."""
    now = now or datetime.now(UTC)
    raw_query = request.target.partition("?")[2]
    headers, cookies = _headers(request)
    host = headers.get("host", f"127.0.0.1:{request.server_port}")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": request.path,
        "rawQueryString": raw_query,
        **({"cookies": cookies} if cookies else {}),
        "headers": headers,
        **({"queryStringParameters": _query(raw_query)} if raw_query else {}),
        **({"pathParameters": path_parameters} if path_parameters else {}),
        "requestContext": {
            "accountId": cfn.ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.partition(".")[0].partition(":")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
            **({"authorizer": authorizer} if authorizer else {}),
        },
        "isBase64Encoded": False,
    }
    if request.body:
        event["body"], event["isBase64Encoded"] = encode_body(
            request.body, headers.get("content-type", "")
        )
    return event


def error_response(status: int, message: str) -> HttpResponse:
    """API Gateway's own answers: `{"message": "Not Found"}` and the like."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def decode_response(result: Any) -> HttpResponse:
    """Turn a handler's result into the HTTP answer; ValueError when API Gateway would refuse it."""
    if not isinstance(result, dict) or "statusCode" not in result:
        inferred = json.dumps(result).encode()  # payload 2.0 infers a 200 JSON answer
        return HttpResponse(200, [("content-type", "application/json")], inferred)
    status, body = result["statusCode"], result.get("body") or ""
    if not isinstance(status, int) or not 100 <= status <= 599 or not isinstance(body, str):
        raise ValueError("Malformed Lambda proxy response")
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return HttpResponse(status, _response_headers(result), data)


def _response_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers of a proxy response: single, multi-value, and its cookies."""
    headers = [(str(name), str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in values]
    return headers + [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
