"""Call the admin handler the way API Gateway does, and decode its answer."""

from __future__ import annotations

import json
from typing import Any

from admin.handler import lambda_handler
from tests.conftest import admin_event, new_context


def call(method: str, path: str, body: Any = None, query: str = "") -> tuple[int, Any]:
    event = admin_event(path, method=method, query=query, body=body)
    response = lambda_handler(event, new_context())
    text = response.get("body") or ""
    is_json = response["headers"].get("Content-Type", "application/json") == "application/json"
    return response["statusCode"], json.loads(text) if text and is_json else text
