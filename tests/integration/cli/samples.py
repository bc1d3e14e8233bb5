"""Admin API answers shaped like the real ones (the response models in src/admin/admin/)."""

from __future__ import annotations

import re
from typing import Any


def provider(name: str, position: int = 0, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"p-{name.lower()}",
        "name": name,
        "description": "",
        "active": True,
        "sync": False,
        "position": position,
        "properties": {},
        "match_script": "return True\n",
        "version": 1,
        "updated_at": "2026-05-01T10:00:00+00:00",
        "function_count": 0,
        **fields,
    }


def function(provider_name: str, name: str, uri: str = "git/push", **fields: Any) -> dict[str, Any]:
    return {
        "id": "f-" + re.sub(r"\W+", "-", name.lower()),
        "provider_id": f"p-{provider_name.lower()}",
        "provider": provider_name,
        "name": name,
        "uri": uri,
        "active": True,
        "sync": False,
        "description": "",
        "script": "log.info('hi')\n",
        "version": 1,
        "updated_at": "2026-05-01T10:00:00+00:00",
        **fields,
    }


def message(message_id: str, status: str = "SUCCESS", **fields: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "status": status,
        "received_at": "2026-05-01T10:00:00+00:00",
        "method": "POST",
        "uri": "git/push",
        "provider": "GitHub",
        "message": "push to main",
        "source_ip": "10.0.0.1",
        "submission_count": 1,
        "functions": ["deploy"],
        **fields,
    }


def log(text: str, level: str = "INFO") -> dict[str, Any]:
    return {"level": level, "message": text, "at": "2026-05-01T10:00:01+00:00"}


def execution(name: str, status: str = "SUCCESS", **fields: Any) -> dict[str, Any]:
    return {
        "function": name,
        "function_id": f"f-{name}",
        "status": status,
        "submission": 1,
        "started_at": "2026-05-01T10:00:01+00:00",
        "duration_ms": 12.5,
        "logs": [],
        "error": None,
        "error_line": None,
        "script_version": 2,
        **fields,
    }


def evaluation(provider_name: str, matched: bool, **fields: Any) -> dict[str, Any]:
    return {
        "provider": provider_name,
        "matched": matched,
        "duration_ms": 0.4,
        "error": None,
        "logs": [],
        **fields,
    }


def dead_letter(record_id: str, message_id: str | None = "m1", **fields: Any) -> dict[str, Any]:
    """A dead-letter record naming submission 1 of `message_id`, stored as DEAD."""
    return {
        "record_id": record_id,
        "message_id": message_id,
        "submission": 1,
        "sent_at": "2026-05-01T10:00:00+00:00",
        "receive_count": 6,
        "message": {
            "status": "DEAD",
            "uri": "git/push",
            "provider": None,
            "reason": "ThrottlingException: Rate exceeded",
            "received_at": "2026-05-01T09:59:59+00:00",
            "submission_count": 1,
        },
        **fields,
    }
