"""Delivery ids: what identifies one event of a sender, whatever number of times it is sent.

Senders retry (GitHub, Stripe, Svix...) and put the same id on every attempt: in a header
(`X-GitHub-Delivery`, `webhook-id` or Svix's `svix-id`) or in the body (Stripe's event `id`).
"""

from __future__ import annotations

import json
from typing import Any

from webhook_engine.domain.models import Deduplication, IncomingRequest

_MAX_ID = 512


def delivery_id(rule: Deduplication, request: IncomingRequest) -> str | None:
    """The delivery id that `rule` names in `request`; None when it is absent or unusable."""
    if rule.header is not None:
        value = next(
            (found for name in rule.headers if (found := _header(request, name)) is not None),
            None,
        )
    else:
        value = _json_value(request.body, rule.json_path or "")
    if value is None or not value.strip() or len(value) > _MAX_ID:
        return None
    return value.strip()


def _header(request: IncomingRequest, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in request.headers.items() if k.lower() == wanted), None)


def _json_value(body: bytes, path: str) -> str | None:
    """The string or number at a dotted path of a JSON object body."""
    try:
        value: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)
