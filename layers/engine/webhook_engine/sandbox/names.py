"""The names a script sees: request data, `props` and `log`, as plain data and small facades.

Scripts never get an engine object: `headers` is a read-only case-insensitive mapping,
`query`, `query_all` and `props` are read-only mappings over fresh dicts, `log` offers its five
methods and nothing else, and `received_at` is a plain timezone-aware datetime. This module runs
in the script worker and imports nothing but the standard library and the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, KeysView, Mapping, ValuesView
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar
from urllib.parse import parse_qs

from webhook_engine.domain.clipping import clip
from webhook_engine.domain.limits import EVALUATION_LOG_BYTES, EXECUTION_LOG_BYTES
from webhook_engine.sandbox.facade import ScriptFacade
from webhook_engine.sandbox.verify import Verify

MAX_LOG_ENTRIES = 200
MAX_LOG_LENGTH = 4000
MAX_SUMMARY_LENGTH = 500
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class RequestData:
    """One message's request, as the worker receives it."""

    message_id: str
    method: str
    uri: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    source_ip: str
    received_at: datetime
    content_type: str = field(init=False)

    def __post_init__(self) -> None:
        given = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        object.__setattr__(self, "content_type", given.split(";")[0].strip().lower())


class Headers(ScriptFacade, Mapping[str, str]):
    """Read-only, case-insensitive header mapping.

    A name a script looks up is taken only as an exact `str`: the mapping never calls a method
    of an object a script chose (another name finds nothing).
    """

    __slots__ = ("_items",)
    script_attributes: ClassVar[frozenset[str]] = frozenset({"get", "keys", "values", "items"})

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._items = {name.lower(): value for name, value in headers.items()}

    def __getitem__(self, name: str) -> str:
        if type(name) is not str:
            raise KeyError("header names are str")
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return type(name) is str and name.lower() in self._items

    def get(self, name: str, default: Any = None) -> Any:
        return self._items.get(name.lower(), default) if type(name) is str else default

    def keys(self) -> KeysView[str]:
        return self._items.keys()

    def values(self) -> ValuesView[str]:
        return self._items.values()

    def items(self) -> Any:
        return self._items.items()

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class LogLimitError(Exception):
    """A script logged past what one run may keep: it fails, naming the limit."""


class LogBook:
    """What a script logged (entries, within the run's limits) and its one-line summary. Text
    is cut (`clip`) never inside one of `keep_whole`, the values of the run's props: the worker
    does not know which are secret, and masking is the engine's."""

    def __init__(self, limit_bytes: int = EXECUTION_LOG_BYTES) -> None:
        self.entries: list[dict[str, str]] = []
        self.summary: str | None = None
        self.keep_whole: tuple[str, ...] = ()  # set with the run's names (`script_names`)
        self._limit = limit_bytes
        self._used = 0

    def add(self, level: str, text: object) -> None:
        """Keep one entry (cut to MAX_LOG_LENGTH characters); LogLimitError past the limits."""
        message = clip(str(text), MAX_LOG_LENGTH, self.keep_whole)
        size = len(message.encode("utf-8", "replace"))
        if len(self.entries) >= MAX_LOG_ENTRIES:
            raise LogLimitError(f"more than {MAX_LOG_ENTRIES} log entries in one run (limit)")
        if self._used + size > self._limit:
            raise LogLimitError(f"more than {self._limit:,} bytes of logs in one run (limit)")
        self._used += size
        self.entries.append({"level": level, "message": message, "at": _now()})

    def set_summary(self, text: object) -> None:
        lines = str(text).splitlines()
        self.summary = clip(lines[0], MAX_SUMMARY_LENGTH, self.keep_whole) if lines else None


def log_limit(kind: str) -> int:
    """Bytes of logs a run of a `match` or `function` script may keep."""
    return EVALUATION_LOG_BYTES if kind == "match" else EXECUTION_LOG_BYTES


class ScriptLog(ScriptFacade):
    """`log` in scripts: `debug`, `info`, `warning`, `error` and `set_message`, nothing else."""

    __slots__ = ("_book",)
    script_attributes: ClassVar[frozenset[str]] = frozenset(
        {"debug", "info", "warning", "error", "set_message"}
    )

    def __init__(self, book: LogBook) -> None:
        self._book = book

    def debug(self, text: object) -> None:
        self._book.add("DEBUG", text)

    def info(self, text: object) -> None:
        self._book.add("INFO", text)

    def warning(self, text: object) -> None:
        self._book.add("WARNING", text)

    def error(self, text: object) -> None:
        self._book.add("ERROR", text)

    def set_message(self, text: object) -> None:
        self._book.set_summary(text)

    def note(self, text: str) -> None:
        """An INFO line from the engine's side of the script (not a script's name: the facade
        offers scripts only `script_attributes`); dropped, not raised, past the log's limits."""
        with suppress(LogLimitError):
            self._book.add("INFO", text)

    def __repr__(self) -> str:
        return "<log>"


def parse_payload(body: bytes, content_type: str) -> Any:
    """JSON -> dict/list; form-urlencoded -> dict of first values; anything else -> None."""
    if content_type == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", errors="replace")
        return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}
    looks_json = not content_type and body.lstrip()[:1] in (b"{", b"[")
    if content_type.endswith("json") or looks_json:
        try:
            return json.loads(body)
        except ValueError:
            return None
    return None


def _query_all(request: RequestData) -> dict[str, list[str]]:
    return parse_qs(request.query_string, keep_blank_values=True)


_Builder = Callable[[RequestData], object]
# How each request name is built, so that a script gets only the names it uses (a match
# script that never reads `payload` does not pay for parsing it).
_REQUEST_NAMES: dict[str, _Builder] = {
    "message_id": lambda request: request.message_id,
    "method": lambda request: request.method,
    "uri": lambda request: request.uri,
    "headers": lambda request: Headers(request.headers),
    "query": lambda request: MappingProxyType(
        {name: values[0] for name, values in _query_all(request).items()}
    ),
    "query_all": lambda request: MappingProxyType(_query_all(request)),
    "payload": lambda request: parse_payload(request.body, request.content_type),
    "body": lambda request: request.body.decode("utf-8", errors="replace"),
    "raw_body": lambda request: request.body,
    "source_ip": lambda request: request.source_ip,
    "received_at": lambda request: request.received_at,
}


def script_names(
    request: RequestData,
    props: Mapping[str, str],
    log: ScriptLog,
    used: frozenset[str] | None = None,
) -> dict[str, object]:
    """The globals of one script run (only the `used` ones when given); fresh for every run."""
    names: dict[str, object] = {
        name: build(request)
        for name, build in _REQUEST_NAMES.items()
        if used is None or name in used
    }
    if used is None or "verify" in used:
        names["verify"] = _verify(request, log)
    names["props"] = MappingProxyType(dict(props))
    names["log"] = log
    log._book.keep_whole = tuple(props.values())  # what its cuts never split
    return names


def _verify(request: RequestData, log: ScriptLog) -> Verify:
    """`verify`, whose failed checks say in the script's log which part failed."""
    return Verify(
        request.headers,
        request.body,
        {name: values[0] for name, values in _query_all(request).items()},
        request.source_ip,
        request.received_at,
        note=log.note,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()
