"""A handler for the worker tests: does what the event says."""

import os
import threading
import time
from typing import Any


def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    action = event["action"]
    if action == "fail":
        raise RuntimeError("boom")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "unserializable":
        return {1, 2}
    return {
        "pid": os.getpid(),
        "main_thread": threading.current_thread() is threading.main_thread(),
        "greeting": os.environ.get("GREETING"),
        "profile": os.environ.get("AWS_PROFILE"),
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
    }


def add(a: int, b: int) -> dict[str, int]:
    return {"sum": a + b}
