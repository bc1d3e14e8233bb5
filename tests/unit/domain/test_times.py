"""Times operators type in filters (`parse_time`) and the one sortable text form (`isoformat`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.times import isoformat, parse_time

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("30s", timedelta(seconds=30)),
        ("90m", timedelta(minutes=90)),
        ("1h", timedelta(hours=1)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("0h", timedelta(0)),
        (" 1h ", timedelta(hours=1)),
    ],
)
def test_relative_times_count_back_from_now(text, ago):
    # Given a fixed now
    # When
    moment = parse_time(text, now=NOW)

    # Then
    assert moment == NOW - ago


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28T10:00:00Z", datetime(2026, 11, 28, 10, tzinfo=UTC)),
        ("2026-11-28T10:00:00+00:00", datetime(2026, 11, 28, 10, tzinfo=UTC)),
        ("2026-11-28T12:00:00+02:00", datetime(2026, 11, 28, 10, tzinfo=UTC)),
        ("2026-11-28T10:00:00", datetime(2026, 11, 28, 10, tzinfo=UTC)),
        ("2026-11-28", datetime(2026, 11, 28, tzinfo=UTC)),
        ("2026-11-28T10:00:00.250Z", datetime(2026, 11, 28, 10, 0, 0, 250_000, tzinfo=UTC)),
    ],
    ids=["Z", "UTC offset", "other offset", "no zone is UTC", "date only", "fraction"],
)
def test_iso_times_are_timezone_aware(text, expected):
    # Given an ISO 8601 time, with or without a zone
    # When
    moment = parse_time(text, now=NOW)

    # Then
    assert moment == expected
    assert moment is not None
    assert moment.tzinfo is not None


def test_an_explicit_zone_is_kept():
    # Given a time two hours east of UTC
    # When
    moment = parse_time("2026-11-28T12:00:00+02:00")

    # Then
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("text", ["", None])
def test_no_time_is_none(text):
    # Given an empty filter value
    # When / Then
    assert parse_time(text, now=NOW) is None


@pytest.mark.parametrize("text", ["yesterday", "1y", "h1", "-1h", "2026-13-01", "1.5h"])
def test_anything_else_is_refused_naming_the_value(text):
    # Given text that is neither ISO 8601 nor a relative time
    # When / Then
    with pytest.raises(InvalidRequestError, match="not a time") as refused:
        parse_time(text, now=NOW)
    assert repr(text) in refused.value.message
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 28, 10, 0, 0, 5, tzinfo=UTC),
        datetime(2026, 11, 28, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),
    ],
    ids=["UTC", "offset"],
)
def test_isoformat_is_utc_with_microseconds_and_z(moment):
    # Given the same moment in UTC or at an offset
    # When / Then
    assert isoformat(moment) == "2026-11-28T10:00:00.000005Z"


def test_isoformat_sorts_as_text_in_time_order():
    # Given moments in time order, one of them in another zone
    moments = [
        datetime(2026, 11, 28, 9, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 28, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 11, 28, 10, 0, 0, 1, tzinfo=UTC),
    ]

    # When / Then
    texts = [isoformat(moment) for moment in moments]
    assert sorted(texts) == texts
