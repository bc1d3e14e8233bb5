"""Refuse unauthenticated admin calls: SigV4 (IAM authorizer) on AWS, a bearer token locally."""

from __future__ import annotations

import hmac

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from webhook_engine.apigw import error_response
from webhook_engine.settings import get_settings


def require_caller(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
    """401 unless the IAM authorizer vouched for the caller or the bearer token matches."""
    if _authenticated(app):
        return next_middleware(app)
    answer = error_response(401, "unauthorized", "missing or invalid credentials")
    return Response(status_code=401, content_type="application/json", body=answer["body"])


def _authenticated(app: APIGatewayHttpResolver) -> bool:
    token = get_settings().admin_token
    if token:
        header = app.current_event.headers.get("authorization") or ""
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    authorizer = app.current_event.request_context.authorizer
    return bool(authorizer and authorizer.iam and authorizer.iam.user_arn)
