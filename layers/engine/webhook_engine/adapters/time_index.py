"""The `by_time` index of the messages table, newest first.

Its partition key is a day and a shard (`2026-11-29#3`): a constant key would take every write
of the deployment into one partition (about 1,000 writes/s). Reading a page walks the days back
from the cursor, queries each shard of a day and merges them.
"""

from __future__ import annotations

import base64
import binascii
import operator
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import reduce
from itertools import islice
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from webhook_engine.adapters.clients import dynamodb_table
from webhook_engine.adapters.dynamo import query
from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import Message
from webhook_engine.domain.ports import MessageFilter
from webhook_engine.domain.times import isoformat


class TimeIndex:
    def __init__(self, table_name: str, shards: int, retention: timedelta) -> None:
        self.table_name, self.shards, self.retention = table_name, shards, retention

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    def keys(self, message: Message) -> dict[str, str]:
        shard = zlib.crc32(message.id.encode()) % self.shards
        stamp = isoformat(message.received_at)
        return {"gsi1pk": f"{stamp[:10]}#{shard}", "gsi1sk": f"{stamp}#{message.id}"}

    def page(
        self, filters: MessageFilter, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first: walk the days back from the cursor, merging each day's shards."""
        now = datetime.now(UTC)
        since = max(filters.since or now - self.retention, now - self.retention)
        upper = _decode_cursor(cursor) if cursor else isoformat(filters.until or now) + "~"
        lower = isoformat(since)
        found: list[dict[str, Any]] = []
        condition = _filter_condition(filters)
        day = datetime.fromisoformat(upper[:10]).date()
        while len(found) < limit and day >= since.date():
            found.extend(self._query_day(day.isoformat(), lower, upper, condition, limit))
            day -= timedelta(days=1)
        found.sort(key=lambda item: item["gsi1sk"], reverse=True)
        page = found[:limit]
        has_more = len(found) > limit or (len(page) == limit and day >= since.date())
        next_cursor = _encode_cursor(page[-1]["gsi1sk"]) if page and has_more else None
        return page, next_cursor

    def _query_day(
        self, day: str, lower: str, upper: str, condition: ConditionBase | None, limit: int
    ) -> list[dict[str, Any]]:
        """Up to `limit + 1` newest items of each of the day's shards, strictly below `upper`."""
        items: list[dict[str, Any]] = []
        for shard in range(self.shards):
            key = Key("gsi1pk").eq(f"{day}#{shard}") & Key("gsi1sk").between(lower, upper)
            items.extend(self._query_index(key, condition, limit))
        return [item for item in items if item["gsi1sk"] < upper]

    def _query_index(
        self, key: ConditionBase, condition: ConditionBase | None, limit: int
    ) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "IndexName": "by_time",
            "KeyConditionExpression": key,
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if condition is not None:
            kwargs["FilterExpression"] = condition
        return islice(query(self._table, **kwargs), limit + 1)


def _filter_condition(filters: MessageFilter) -> ConditionBase | None:
    parts: list[ConditionBase] = []
    if filters.status:
        parts.append(Attr("status").eq(filters.status.value))
    if filters.provider:
        parts.append(Attr("provider").eq(filters.provider))
    if filters.uri:
        parts.append(Attr("uri").eq(filters.uri))
    if filters.function:
        parts.append(Attr("functions").contains(filters.function))
    return reduce(operator.and_, parts) if parts else None


def _encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        datetime.fromisoformat(value[:10])
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidRequestError("cursor is not valid") from error
    return value
