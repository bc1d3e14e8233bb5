"""Refuse admin calls that API Gateway's IAM authorizer did not let through.

On AWS the admin HTTP API's AWS_IAM authorizer refuses unsigned calls itself; this check
answers 401 to any event without the caller identity it adds (the local gateway plays the
authorizer, and forwards calls without valid credentials with no identity). Checked before
the resolver runs, so that no route, not even request validation, answers an
unauthenticated caller with anything but 401; a malformed event, or a caller that is not an
IAM or STS principal, is unauthenticated too.
"""

from __future__ import annotations

import re
from typing import Any

from webhook_engine.pipeline.http_api import error_response

# What the IAM authorizer puts in `userArn`: an IAM or STS principal of a 12-digit account
# (`arn:aws:iam::123456789012:user/ops`, `arn:aws:sts::123456789012:assumed-role/R/s`, ...).
_PRINCIPAL_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:(?:iam|sts)::[0-9]{12}:[!-~]+")


def refusal(event: Any) -> dict[str, Any] | None:
    """A 401 response unless the IAM authorizer identified the caller; None when it did."""
    if _PRINCIPAL_ARN.fullmatch(_caller_arn(event)):
        return None
    return error_response(401, "unauthorized", "missing or invalid credentials")


def _caller_arn(event: Any) -> str:
    """`requestContext.authorizer.iam.userArn`, or "" when any step is missing or not an object."""
    try:
        arn = event["requestContext"]["authorizer"]["iam"]["userArn"]
    except (KeyError, TypeError, IndexError):
        return ""
    return arn if isinstance(arn, str) else ""


def caller(event: Any) -> str:
    """Who made an authenticated call (the principal the IAM authorizer identified) and from
    where."""
    try:
        source = event["requestContext"]["http"]["sourceIp"]
    except (KeyError, TypeError, IndexError):
        source = "an unknown address"
    return f"{_caller_arn(event)} from {source}"
