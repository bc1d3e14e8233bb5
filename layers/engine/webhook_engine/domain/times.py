"""Timestamps in one sortable text form, and the times operators type in filters."""

import re
from datetime import UTC, datetime, timedelta

from webhook_engine.domain.errors import InvalidRequestError

_RELATIVE = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def isoformat(moment: datetime) -> str:
    """UTC, microseconds, `Z` suffix: sorts as text in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str | None, now: datetime | None = None) -> datetime | None:
    """An ISO 8601 time, or a relative one like `90m`, `1h`, `7d` (that long ago)."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(value.strip())
    try:
        if relative:
            return now - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError) as error:
        raise InvalidRequestError(f"not a time: {value!r} (ISO 8601 or e.g. 1h, 7d)") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
