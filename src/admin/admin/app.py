"""The admin API resolver: routes, authentication and the error shape, in one place."""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer, Server
from pydantic import BaseModel, Field

from admin import API_PREFIX, config, dead_letters, functions, messages, providers, trail
from admin.auth import ForbiddenError, forbidden, identify, refusal, unauthorized
from admin.console import served
from admin.inputs import malformed
from admin.openapi import answered
from admin.services import Services, caller, container, services, serving
from webhook_engine.domain.audit import Actor
from webhook_engine.domain.errors import EngineError, describe
from webhook_engine.observability import logger
from webhook_engine.pipeline.http_api import error_response
from webhook_engine.sandbox.confinement import missing
from webhook_engine.sandbox.supervisor import SandboxUnavailableError

app = APIGatewayHttpResolver(enable_validation=True, strip_prefixes=[API_PREFIX])
for module in (messages, providers, functions, config, dead_letters, trail):
    app.include_router(module.router)
OPENAPI = {
    "title": "Incoming Webhooks admin API",
    "version": "1",
    "description": "Manage providers and functions, browse and resubmit messages. "
    "On AWS machines sign with SigV4 (IAM) and people carry a JWT of the stack's issuer; "
    "locally a call carries one of the stack's tokens. Each route needs a role (viewer, "
    "operator, editor): `x-required-role`.",
    "servers": [Server(url=API_PREFIX)],
    "security_schemes": {
        "sigv4": APIKey(name="Authorization", **{"in": APIKeyIn.header}),
        "bearer": HTTPBearer(),
    },
    "security": [{"sigv4": []}, {"bearer": []}],
}
app.enable_swagger(path="/swagger", **OPENAPI)  # type: ignore[arg-type]


@app.get("/openapi.json", summary="The OpenAPI document of this API", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=openapi_json())


@cache
def openapi_json() -> str:
    """The OpenAPI document, as committed in docs/openapi.json."""
    generated = json.loads(app.get_openapi_json_schema(**OPENAPI))  # type: ignore[arg-type]
    return json.dumps(answered(generated), indent=2, ensure_ascii=False)


class SandboxHealthOut(BaseModel):
    """Which protections script processes take in this deployment's runtime (docs/security.md)."""

    protections: dict[str, bool] = Field(description="each protection, and whether it held")
    required: list[str] = Field(description="protections without which no script runs")
    missing: list[str] = Field(description="required protections that did not hold")
    error: str | None = Field(default=None, description="why script processes cannot start")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="`degraded`: scripts cannot run here (see `sandbox`)"
    )
    sandbox: SandboxHealthOut


@app.get("/health", summary="Liveness, and the script sandbox's protections")
def health() -> HealthOut:
    sandbox = services().sandbox
    required = sorted(sandbox.required)
    try:
        protections = sandbox.protections()
    except SandboxUnavailableError as error:
        down = SandboxHealthOut(protections={}, required=required, missing=required)
        return HealthOut(
            status="degraded", sandbox=down.model_copy(update={"error": error.message})
        )
    lacking = missing(protections, sandbox.required)
    report = SandboxHealthOut(protections=protections, required=required, missing=lacking)
    return HealthOut(status="degraded" if lacking else "ok", sandbox=report)


def _error(status: int, code: str, message: str) -> Response[str]:
    body = error_response(status, code, message)["body"]
    return Response(status_code=status, content_type="application/json", body=body)


@app.exception_handler(EngineError)
def engine_error(error: EngineError) -> Response[str]:
    return _error(error.status, error.code, error.message)


@app.exception_handler(ForbiddenError)
def forbidden_body(error: ForbiddenError) -> Response[str]:
    refused = forbidden(error.required, caller())
    return Response(status_code=403, content_type="application/json", body=refused["body"])


@app.exception_handler(RequestUnsupportedContentType)
def unsupported_type(error: RequestUnsupportedContentType) -> Response[str]:
    return _error(415, "unsupported_media_type", "the body must be JSON")


@app.exception_handler(RequestValidationError)
def invalid_request(error: RequestValidationError) -> Response[str]:
    return _error(400, "invalid_request", describe(error))


@app.not_found
def not_found(_: Exception) -> Response[str]:
    """404 for a path no route has; 405, with the methods it takes, for a path one has."""
    method, path = app.current_event.http_method, app.current_event.path
    allowed = methods_of(path.removeprefix(API_PREFIX))
    if not allowed:
        return _error(404, "not_found", f"no route {method} {path}")
    response = _error(405, "method_not_allowed", f"{path} takes {', '.join(allowed)}")
    response.headers["Allow"] = ", ".join(allowed)
    return response


def methods_of(path: str) -> list[str]:
    """The methods the routes take on `path`."""
    static = {route.method for route in app._static_routes if route.rule.match(path)}
    dynamic = {route.method for route in app._dynamic_routes if route.rule.match(path)}
    return sorted(static or dynamic)  # `/providers/order` is that route, not a provider id


@app.exception_handler(Exception)
def unexpected(error: Exception) -> Response[str]:
    logger.exception("admin request failed")
    return _error(500, "internal_error", "internal error; see the admin function's logs")


def answer(event: dict[str, Any], context: Any, given: Services | None = None) -> dict[str, Any]:
    """Answer one admin call (the console's files without authorization; 401 unless an
    authorizer identified the caller, 403 below the route's role, 400 for text no store can
    keep), with one INFO line: the method, the path, the caller and the status. The routes use
    `given` services, by default the container's."""
    method, path = _request_line(event)
    actor, response = None, served(event)
    if response is None:
        actor, response = _answered(event, context, given or container(), (method, path))
    who = actor.principal if actor else None
    logger.info(
        "admin request", method=method, path=path, caller=who, status=response["statusCode"]
    )
    return response


def _answered(
    event: dict[str, Any], context: Any, found: Services, line: tuple[Any, Any]
) -> tuple[Actor | None, dict[str, Any]]:
    """The caller, and the answer of the route to a caller its role lets in."""
    method, path = line
    actor = identify(event, found.principals, found.groups_claim)
    if actor is None:
        return None, unauthorized()
    route = str(path or "").removeprefix(API_PREFIX)
    refused = refusal(actor, str(method), route) or malformed(event)
    return actor, refused or _resolved(event, context, found, actor)


def _resolved(event: dict[str, Any], context: Any, found: Services, actor: Actor) -> Any:
    with serving(found, actor):
        return app.resolve(event, context)


def _request_line(event: Any) -> tuple[Any, Any]:
    """The event's method and path, None for what a malformed event lacks."""
    try:
        method = event["requestContext"]["http"]["method"]
    except (KeyError, TypeError, IndexError):
        method = None
    return method, event.get("rawPath") if isinstance(event, dict) else None
