"""`aws` actions made with boto3: the `AwsCaller` port of `actions/aws.py`.

Clients come from the container's one session and are reused (`clients.timed_client`), one
per service, region and time bucket. A call gets the largest bucket of TIMEOUT_BUCKETS that
fits the time it is given and is not retried, so that it never outlives the script that made
it: the bucket is an absolute deadline over connecting and every read
(`adapters/deadlines.py`), whatever the endpoint sends. A script that wants a retry catches
the error and calls again; a failed function is retried by resubmitting its message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.response import StreamingBody

from webhook_engine.actions.aws import AwsRequest
from webhook_engine.actions.errors import ActionError, ActionLimitError
from webhook_engine.adapters.clients import timed_client
from webhook_engine.adapters.deadlines import CallDeadline
from webhook_engine.domain.clipping import clip
from webhook_engine.observability import logger

TIMEOUT_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0)  # seconds; a call takes at most 30
REASON_LIMIT = 300  # characters of AWS's error message kept for the script


class BotoAwsCaller:
    """Makes an `AwsRequest` with boto3; every failure is an ActionError naming the action."""

    def call(self, request: AwsRequest, timeout: float) -> Mapping[str, Any]:
        """Make the call; log its action, region, time and outcome: AWS's error code, never
        its message, which may repeat a parameter's value, nor the parameters."""
        seconds = _bucket(request.action, timeout)
        started = time.monotonic()
        code: str | None = None
        try:
            return _call(request, seconds)
        except ActionError as error:
            code = _code(error.__cause__)
            raise
        finally:
            logger.info(
                "aws action",
                action=request.action,
                service=request.service,
                region=request.region,
                milliseconds=round((time.monotonic() - started) * 1000),
                error=code,
            )


def _call(request: AwsRequest, seconds: float) -> Mapping[str, Any]:
    """The call's response, its streams read, all within `seconds`."""
    client = timed_client(request.service, request.region, seconds)
    with CallDeadline(seconds) as deadline, _failures(request, deadline):
        response = getattr(client, request.method)(**request.params)
        read = _read_streams(response, request.read_limit)
        deadline.left()  # an answer cut short at the deadline may parse
        return read


@contextmanager
def _failures(request: AwsRequest, deadline: CallDeadline) -> Iterator[None]:
    """botocore's failures as the script sees them: a failure once the deadline passed (the
    connection ended under botocore) is the time limit."""
    action, where = f"aws.{request.action}", f"{request.service} in {request.region}"
    try:
        yield
    except ClientError as error:
        raise ActionError(f"{action}: {_reason(error)}") from error
    except Exception as error:
        if deadline.expired or deadline.remaining() <= 0 or _timed_out(error):
            message = f"{action}: no answer from {where} within {deadline.seconds:g} s"
            raise ActionLimitError(message) from error
        if isinstance(error, EndpointConnectionError):
            raise ActionError(f"{action}: could not reach {where}") from error
        if isinstance(error, BotoCoreError):  # its text may carry parameter values: the name only
            raise ActionError(f"{action}: {type(error).__name__}") from error
        raise


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


def _timed_out(error: Exception) -> bool:
    return isinstance(error, ConnectTimeoutError | ReadTimeoutError)


def _code(cause: BaseException | None) -> str | None:
    """What the log says of a failure: AWS's error code, or the failure's kind."""
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", "ClientError"))
    return type(cause).__name__ if cause is not None else None


def _reason(error: ClientError) -> str:
    """`Code: message` of AWS's answer: no request id, no headers."""
    details = error.response.get("Error", {})
    reason = f"{details.get('Code', 'Error')}: {details.get('Message', '')}".strip().rstrip(":")
    return clip(reason, REASON_LIMIT)
