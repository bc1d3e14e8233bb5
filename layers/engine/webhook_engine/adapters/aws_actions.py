"""`aws` actions made with boto3: the `AwsCaller` port of `toolkit/aws.py`.

Clients come from the container's one session and are reused (`clients.timed_client`), one
per service, region and time bucket. A call gets the largest bucket of TIMEOUT_BUCKETS that
fits the time it is given and is not retried, so that it never outlives the script that made
it: connecting and reading together stay within the bucket. A script that wants a retry
catches the error and calls again; a failed function is retried by resubmitting its message.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.response import StreamingBody

from webhook_engine.adapters.clients import timed_client
from webhook_engine.observability import logger
from webhook_engine.toolkit.aws import AwsRequest
from webhook_engine.toolkit.errors import ActionError, ActionLimitError

TIMEOUT_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0)  # seconds; a call takes at most 30
REASON_LIMIT = 300  # characters of AWS's error message kept for the script


class BotoAwsCaller:
    """Makes an `AwsRequest` with boto3; every failure is an ActionError naming the action."""

    def call(self, request: AwsRequest, timeout: float) -> Mapping[str, Any]:
        """Make the call; log its action, region, time and outcome (never its parameters)."""
        seconds = _bucket(request.action, timeout)
        started = time.monotonic()
        error: ActionError | None = None
        try:
            return _call(request, seconds)
        except ActionError as failed:
            error = failed
            raise
        finally:
            logger.info(
                "aws action",
                action=request.action,
                service=request.service,
                region=request.region,
                milliseconds=round((time.monotonic() - started) * 1000),
                error=None if error is None else str(error),
            )


def _call(request: AwsRequest, seconds: float) -> Mapping[str, Any]:
    client = timed_client(request.service, request.region, seconds)
    try:
        response = getattr(client, request.method)(**request.params)
        return _read_streams(response, request.read_limit)
    except ClientError as error:
        raise ActionError(f"aws.{request.action}: {_reason(error)}") from error
    except (ConnectTimeoutError, ReadTimeoutError) as error:
        raise ActionLimitError(
            f"aws.{request.action}: no answer from {request.service} in {request.region} "
            f"within {seconds:g} s"
        ) from error
    except EndpointConnectionError as error:
        raise ActionError(
            f"aws.{request.action}: could not reach {request.service} in {request.region}"
        ) from error
    except BotoCoreError as error:  # its text may carry parameter values: the name only
        raise ActionError(f"aws.{request.action}: {type(error).__name__}") from error


def _bucket(action: str, timeout: float) -> float:
    """The longest time bucket within `timeout`; ActionLimitError if even the shortest is not."""
    fitting = [seconds for seconds in TIMEOUT_BUCKETS if seconds <= timeout]
    if not fitting:
        raise ActionLimitError(
            f"aws.{action}: {max(timeout, 0):.1f} s left of the script's time, "
            f"too little for a call (at least {TIMEOUT_BUCKETS[0]:g} s)"
        )
    return fitting[-1]


def _read_streams(response: Mapping[str, Any], limit: int) -> dict[str, Any]:
    """The response with each streamed value read: at most `limit` + 1 bytes (enough to tell
    that it is over the limit), never the whole of a large answer."""
    read = dict(response)
    for key, value in response.items():
        if isinstance(value, StreamingBody):
            read[key] = value.read(limit + 1)
            value.close()
    return read


def _reason(error: ClientError) -> str:
    """`Code: message` of AWS's answer: no request id, no headers."""
    details = error.response.get("Error", {})
    reason = f"{details.get('Code', 'Error')}: {details.get('Message', '')}".strip().rstrip(":")
    return reason[:REASON_LIMIT]
