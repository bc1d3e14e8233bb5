"""The names a script sees (DESIGN section 5): request data, `props` and `log`."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs

from webhook_engine.domain.models import IncomingRequest, LogEntry

MAX_LOG_ENTRIES = 200
MAX_LOG_LENGTH = 4000


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive header mapping."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._items = {name.lower(): value for name, value in headers.items()}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get(self, name: str, default: Any = None) -> Any:
        return self._items.get(name.lower(), default)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class ScriptLog:
    """`log` in scripts: entries kept with the execution, plus a one-line summary.

    State lives in underscore attributes, which the sandbox keeps out of scripts' reach, so a
    script cannot bypass the caps by editing the list directly.
    """

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._summary: str | None = None
        self._dropped = 0

    @property
    def summary(self) -> str | None:
        return self._summary

    def _add(self, level: str, text: object) -> None:
        if len(self._entries) >= MAX_LOG_ENTRIES:
            self._dropped += 1
            return
        message = str(text)[:MAX_LOG_LENGTH]
        self._entries.append(LogEntry(level=level, message=message, at=datetime.now(UTC)))

    def debug(self, text: object) -> None:
        self._add("DEBUG", text)

    def info(self, text: object) -> None:
        self._add("INFO", text)

    def warning(self, text: object) -> None:
        self._add("WARNING", text)

    def error(self, text: object) -> None:
        self._add("ERROR", text)

    def set_message(self, text: object) -> None:
        lines = str(text).splitlines()
        self._summary = lines[0][:500] if lines else None

    def print(self, text: object) -> None:
        """The sandbox hands each `print()` line here; it is logged at INFO."""
        self._add("INFO", str(text).rstrip("\n"))

    def finish(self) -> list[LogEntry]:
        """The entries, with a note when some were dropped over the cap."""
        if self._dropped:
            note = f"{self._dropped} more log entries dropped (limit {MAX_LOG_ENTRIES})"
            self._entries.append(LogEntry(level="WARNING", message=note, at=datetime.now(UTC)))
            self._dropped = 0
        return self._entries


def parse_payload(request: IncomingRequest) -> Any:
    """JSON -> dict/list; form-urlencoded -> dict of first values; anything else -> None."""
    kind = request.content_type
    if kind == "application/x-www-form-urlencoded":
        text = request.body.decode("utf-8", errors="replace")
        return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}
    looks_json = not kind and request.body.lstrip()[:1] in (b"{", b"[")
    if kind.endswith("json") or kind.endswith("+json") or looks_json:
        try:
            return json.loads(request.body)
        except ValueError:
            return None
    return None


def script_names(
    request: IncomingRequest, message_id: str, props: Mapping[str, str], log: ScriptLog
) -> dict[str, object]:
    """The globals of one script run; mutable values are fresh for every script."""
    return {
        "message_id": message_id,
        "method": request.method,
        "uri": request.uri,
        "headers": Headers(request.headers),
        "query": MappingProxyType(request.query),
        "query_all": MappingProxyType(request.query_all),
        "payload": parse_payload(request),
        "body": request.body.decode("utf-8", errors="replace"),
        "raw_body": request.body,
        "source_ip": request.source_ip,
        "received_at": request.received_at,
        "props": MappingProxyType(dict(props)),
        "log": log,
        "print": log.print,
    }
