"""Refuse unauthenticated admin calls: SigV4 (IAM authorizer) on AWS, a bearer token locally.

Checked before the resolver runs, so that no route, not even request validation, answers an
unauthenticated caller with anything but 401.
"""

from __future__ import annotations

import hmac
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from webhook_engine.pipeline.http_api import error_response
from webhook_engine.settings import get_settings


def refusal(event: dict[str, Any]) -> dict[str, Any] | None:
    """A 401 response unless the caller is authenticated; None when it is."""
    if _authenticated(APIGatewayProxyEventV2(event)):
        return None
    return error_response(401, "unauthorized", "missing or invalid credentials")


def _authenticated(event: APIGatewayProxyEventV2) -> bool:
    token = get_settings().admin_token
    if token:
        header = event.headers.get("authorization") or ""
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    return bool(event.request_context.authorizer.iam.user_arn)
