"""The admin API resolver: routes, authentication and the error shape, in one place."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from admin import messages
from admin.auth import require_caller
from webhook_engine.apigw import error_response
from webhook_engine.errors import EngineError
from webhook_engine.observability import logger

API_PREFIX = "/admin/v1"

app = APIGatewayHttpResolver(enable_validation=True, strip_prefixes=[API_PREFIX])
app.use(middlewares=[require_caller])
app.include_router(messages.router)


@app.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok"}


def _error(status: int, code: str, message: str) -> Response[str]:
    body = error_response(status, code, message)["body"]
    return Response(status_code=status, content_type="application/json", body=body)


@app.exception_handler(EngineError)
def engine_error(error: EngineError) -> Response[str]:
    return _error(error.status, error.code, error.message)


@app.exception_handler(RequestValidationError)
def invalid_request(error: RequestValidationError) -> Response[str]:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc'][1:]) or item['loc'][0]}: {item['msg']}"
        for item in error.errors()
    )
    return _error(400, "invalid_request", problems)


@app.not_found
def not_found(_: Exception) -> Response[str]:
    return _error(
        404, "not_found", f"no route {app.current_event.http_method} {app.current_event.path}"
    )


@app.exception_handler(Exception)
def unexpected(error: Exception) -> Response[str]:
    logger.exception("admin request failed")
    return _error(500, "internal_error", "internal error; see the admin function's logs")
