"""The GitHub push sample as scripts see it: RequestData and script_request take these fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import EVENTS


def push_fields() -> dict[str, Any]:
    return {
        "message_id": "m1",
        "method": "POST",
        "uri": "git/push",
        "query_string": "projectId=7&tag=a&tag=b",
        "headers": {"Content-Type": "application/json", "X-GitHub-Event": "push"},
        "body": (EVENTS / "github_push.json").read_bytes(),
        "source_ip": "192.0.2.1",
        "received_at": datetime(2026, 11, 29, tzinfo=UTC),
    }
