"""Refuse admin calls that API Gateway's IAM authorizer did not let through.

On AWS the admin HTTP API's AWS_IAM authorizer refuses unsigned calls itself; this check
answers 401 to any event without the caller identity it adds (the local gateway plays the
authorizer, and forwards calls without valid credentials with no identity). Checked before
the resolver runs, so that no route, not even request validation, answers an
unauthenticated caller with anything but 401; a malformed event is unauthenticated too.
"""

from __future__ import annotations

from typing import Any

from webhook_engine.pipeline.http_api import error_response


def refusal(event: Any) -> dict[str, Any] | None:
    """A 401 response unless the IAM authorizer identified the caller; None when it did."""
    if _caller_arn(event):
        return None
    return error_response(401, "unauthorized", "missing or invalid credentials")


def _caller_arn(event: Any) -> str:
    """`requestContext.authorizer.iam.userArn`, or "" when any step is missing or not an object."""
    try:
        arn = event["requestContext"]["authorizer"]["iam"]["userArn"]
    except (KeyError, TypeError, IndexError):
        return ""
    return arn if isinstance(arn, str) else ""
