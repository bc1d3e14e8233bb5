"""Ids: ULIDs that sort by time, and the bounds of a millisecond (the list's time filters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webhook_engine.domain.ids import id_bounds, new_id

MOMENT = datetime(2026, 11, 29, 12, 0, 0, 123000, tzinfo=UTC)


def test_every_id_of_a_millisecond_is_within_its_bounds_and_before_the_next():
    # Given
    millis = int(MOMENT.timestamp() * 1000)
    first, last = id_bounds(MOMENT)

    # When
    ids = [new_id(millis) for _ in range(200)]

    # Then
    assert all(first <= each <= last for each in ids)
    assert last < id_bounds(MOMENT + timedelta(milliseconds=1))[0]
    assert id_bounds(MOMENT - timedelta(milliseconds=1))[1] < first
    assert len(first) == len(last) == 26
