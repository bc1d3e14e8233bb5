"""Text output: aligned tables, label/value blocks, sections, local times, JSON."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

MAX_CELL = 48
MAX_LAST_CELL = 160  # the last column pushes no other: it may say more (a reason, a message)
ELLIPSIS = "…"
NONE = "(none)"


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], max_width: int = MAX_CELL
) -> str:
    """Columns aligned on two spaces; long cells cut to `max_width` (the last column's to
    MAX_LAST_CELL at least) with an ellipsis."""
    widths_allowed = [max_width] * (len(headers) - 1) + [max(max_width, MAX_LAST_CELL)]
    cells = [
        [cell(value, width) for value, width in zip(row, widths_allowed, strict=True)]
        for row in rows
    ]
    if not cells:
        return NONE
    lines = [list(headers), *cells]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def cell(value: object, max_width: int = MAX_CELL) -> str:
    """One table cell: the first line of the value, `-` for nothing, yes/no for booleans."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    lines = str(value).strip().splitlines() or [""]
    text = lines[0] + (f" {ELLIPSIS}" if len(lines) > 1 else "")
    return text if len(text) <= max_width else text[: max_width - 1] + ELLIPSIS


def fields(pairs: Sequence[tuple[str, object]]) -> str:
    """`Label:  value` lines, values aligned; empty values shown as `-`."""
    width = max(len(label) for label, _ in pairs) + 2
    return "\n".join(f"{label + ':':<{width}} {cell(value, 10_000)}" for label, value in pairs)


def section(title: str, body: str) -> str:
    """A titled block with its body indented; `(none)` when the body is empty."""
    return f"{title}\n{indent(body or NONE)}"


def indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text, prefix, lambda _: True)


def local_time(value: str | None, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An ISO 8601 time from the API, shown in the local time zone."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone().strftime(pattern)


def duration(milliseconds: float | None) -> str:
    return "-" if milliseconds is None else f"{milliseconds:.1f} ms"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
