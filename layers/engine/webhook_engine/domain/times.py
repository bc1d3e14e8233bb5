"""Timestamps in one sortable text form."""

from datetime import UTC, datetime


def isoformat(moment: datetime) -> str:
    """UTC, microseconds, `Z` suffix: sorts as text in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
