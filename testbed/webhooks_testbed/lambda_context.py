"""The Lambda context object handed to handlers run locally (and in the tests)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from webhooks_testbed.lambdas import FunctionConfig


class LocalLambdaContext:
    """What the Python runtime passes as `context`, with the function's own timeout."""

    function_version = "$LATEST"
    identity = None
    client_context = None
    tenant_id = None

    def __init__(self, config: FunctionConfig, request_id: str | None = None) -> None:
        self.function_name = config.function_name
        self.invoked_function_arn = config.arn
        self.memory_limit_in_mb = config.memory_size
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = config.log_group_name
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + config.timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
