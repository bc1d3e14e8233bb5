"""The message list, newest first, at a bounded cost per page.

A page is one Query per list partition (message_items.PARTITIONS), whatever the filters and
however old or rare the matches: the partitions of the table itself for most filters, the
sparse `by_attention` index for the statuses it holds (FAILED, DEAD). Each Query examines at
most `limit + 1` messages, or FILTERED_EXAMINED when filters are set, as DynamoDB's own
Limit does; a page then holds the matches down to the point every partition was examined to,
and its cursor continues from there. So a page may hold fewer matches than `limit`, even none,
and still carry a cursor: only a page without a cursor is the end.
"""

from __future__ import annotations

import base64
import binascii
import operator
import re
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from webhook_engine.adapters.clients import dynamodb_table
from webhook_engine.adapters.message_items import ATTENTION, MAX_ID_LENGTH, PARTITIONS
from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.ids import id_bounds
from webhook_engine.domain.ports import CURSOR_PATTERN, MessageFilter

ATTENTION_INDEX = "by_attention"
# Messages each partition's Query examines per page when filters narrow the list.
FILTERED_EXAMINED = 200


class MessageList:
    def __init__(self, table_name: str, retention: timedelta) -> None:
        self.table_name, self.retention = table_name, retention

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    def page(
        self, filters: MessageFilter, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` matching items, newest first, and where the next page starts."""
        lower, upper = self._bounds(filters)
        after = _decode_cursor(cursor) if cursor else None
        if after is not None:
            upper = min(upper, after)
        if lower > upper:
            return [], None
        found, complete_to = self._examine(filters, limit, (lower, upper), after)
        return _newest(found, complete_to, limit)

    def _examine(
        self, filters: MessageFilter, limit: int, bounds: tuple[str, str], after: str | None
    ) -> tuple[list[dict[str, Any]], str]:
        """What each partition holds within `bounds` (not the cursor's own item), and the id
        down to which every partition has been examined."""
        condition = _condition(filters)
        examined = limit + 1 if condition is None else max(limit + 1, FILTERED_EXAMINED)
        found: list[dict[str, Any]] = []
        complete_to = ""
        for number in range(PARTITIONS):
            items, last = self._query(filters, number, *bounds, condition, examined)
            found += [item for item in items if item["sk"] != after]
            complete_to = max(complete_to, last or "")
        return found, complete_to

    def _bounds(self, filters: MessageFilter) -> tuple[str, str]:
        now = datetime.now(UTC)
        since = max(filters.since or now - self.retention, now - self.retention)
        return id_bounds(since)[0], id_bounds(filters.until or now)[1]

    def _query(
        self,
        filters: MessageFilter,
        number: int,
        lower: str,
        upper: str,
        condition: ConditionBase | None,
        examined: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One partition's matches, newest first, and the last id it examined if it has more."""
        if filters.status in ATTENTION:
            key = Key("attention").eq(f"{filters.status}#{number}")
            extra: dict[str, Any] = {"IndexName": ATTENTION_INDEX}
        else:
            key, extra = Key("pk").eq(f"LIST#{number}"), {}
        if condition is not None:
            extra["FilterExpression"] = condition
        response = self._table.query(
            KeyConditionExpression=key & Key("sk").between(lower, upper),
            ScanIndexForward=False,
            Limit=examined,
            **extra,
        )
        last = response.get("LastEvaluatedKey")
        return response["Items"], str(last["sk"]) if last else None


def _condition(filters: MessageFilter) -> ConditionBase | None:
    """The filters the key does not express; the attention index's key is the status."""
    parts: list[ConditionBase] = []
    if filters.status and filters.status not in ATTENTION:
        parts.append(Attr("status").eq(filters.status.value))
    if filters.provider:
        parts.append(Attr("provider").eq(filters.provider))
    if filters.uri:
        parts.append(Attr("uri").eq(filters.uri))
    if filters.function:
        parts.append(Attr("functions").contains(filters.function))
    return reduce(operator.and_, parts) if parts else None


def _newest(
    found: list[dict[str, Any]], complete_to: str, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` of the items every partition was examined down to, newest first, and
    where the next page starts."""
    matches = sorted(
        (item for item in found if item["sk"] >= complete_to),
        key=lambda item: str(item["sk"]),
        reverse=True,
    )
    if len(matches) > limit:
        return matches[:limit], _encode_cursor(matches[limit - 1]["sk"])
    return matches, _encode_cursor(complete_to) if complete_to else None


def _encode_cursor(message_id: str) -> str:
    return base64.urlsafe_b64encode(message_id.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    """The id a page continues below. Any text the cursor's pattern (CURSOR_PATTERN, domain/ports.py) allows decodes
    to a bound the Query takes, so no such cursor is refused."""
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise InvalidRequestError("cursor is not valid")
    try:
        data = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidRequestError("cursor is not valid") from error
    value = data.decode("utf-8", "replace")
    if not value or len(value) > MAX_ID_LENGTH:
        raise InvalidRequestError("cursor is not valid")
    return value
