"""The audit trail in DynamoDB (docs/architecture.md, "Audit trail").

One item per write, keyed by what it changed (`object`, then time); two indexes read it by
actor and by time alone. Items expire after the retention (TTL). Admin writes are few: the
time index's single partition key takes far more than any team makes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from webhook_engine.adapters import clients
from webhook_engine.domain.audit import AuditEntry, AuditFilter, AuditPage

FEED = "all"  # the time index's one partition key
BY_ACTOR, BY_TIME = "by-actor", "by-time"


class DynamoAuditLog:
    def __init__(self, table_name: str, *, retention_days: int) -> None:
        self._table_name = table_name
        self._retention = timedelta(days=retention_days)

    @property
    def _table(self) -> Any:
        return clients.dynamodb_table(self._table_name)

    def record_many(self, entries: list[AuditEntry]) -> None:
        """One PutItem per entry (25 to a BatchWriteItem when there are more)."""
        if len(entries) == 1:
            self._table.put_item(Item=self._item(entries[0]))
            return
        with self._table.batch_writer() as batch:
            for entry in entries:
                batch.put_item(Item=self._item(entry))

    def _item(self, entry: AuditEntry) -> dict[str, Any]:
        return {
            "object": entry.object,
            "sk": f"{entry.at.isoformat()}#{entry.id}",
            "actor": entry.actor.principal,
            "feed": FEED,
            "entry": entry.model_dump_json(exclude_none=True),
            "expires_at": int((entry.at + self._retention).timestamp()),
        }

    def query(self, filters: AuditFilter, limit: int, cursor: str | None = None) -> AuditPage:
        request = _request(filters, limit, before(cursor))
        bounds = request["ExpressionAttributeValues"]
        until = bounds.get(":until", "\U0010ffff")
        if not until or bounds.get(":since", "") > until:
            return AuditPage(items=[])  # a window that ends before it starts holds nothing
        response = self._table.query(**request)
        items = [AuditEntry.model_validate_json(item["entry"]) for item in response["Items"]]
        last = response.get("LastEvaluatedKey")
        return AuditPage(items=items, next_cursor=cursor_of(last["sk"]) if last else None)


def _request(filters: AuditFilter, limit: int, before: str | None) -> dict[str, Any]:
    """The Query that reads `filters` newest first, older than `before` (a sort key): by
    object, else by actor, else by time; an actor given with an object filters the object's
    items."""
    key, value, index = _key(filters)
    names, values = {"#key": key}, {":key": value}
    condition = "#key = :key" + _time_range(filters, values, before)
    if ":since" in values or ":until" in values:
        names["#sk"] = "sk"
    request: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ScanIndexForward": False,
        "Limit": limit,
        **({"IndexName": index} if index else {}),
    }
    if filters.object is not None and filters.actor is not None:
        request["FilterExpression"] = "#actor = :actor"
        names["#actor"], values[":actor"] = "actor", filters.actor
    return request | {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def _key(filters: AuditFilter) -> tuple[str, str, str | None]:
    """The key attribute, its value and the index that reads `filters`."""
    if filters.object is not None:
        return "object", filters.object, None
    if filters.actor is not None:
        return "actor", filters.actor, BY_ACTOR
    return "feed", FEED, BY_TIME


def _time_range(filters: AuditFilter, values: dict[str, Any], before: str | None) -> str:
    """The sort key's bounds, both inclusive (ISO times sort as text; `~` sorts after every
    `#id`); a page after the first ends below the last key of the page before."""
    uppers = [f"{filters.until.isoformat()}~"] if filters.until is not None else []
    if before is not None:
        uppers.append(_below(before))
    if uppers:
        values[":until"] = min(uppers)
    if filters.since is not None:
        values[":since"] = filters.since.isoformat()
    if filters.since is not None and uppers:
        return " AND #sk BETWEEN :since AND :until"
    if filters.since is not None:
        return " AND #sk >= :since"
    return " AND #sk <= :until" if uppers else ""


def _below(key: str) -> str:
    """The greatest sort key below `key` (sort keys are far shorter than 8 characters more)."""
    if not key or key[-1] == "\x00":
        return key[:-1]
    point = ord(key[-1]) - 1
    if 0xD800 <= point <= 0xDFFF:  # no surrogate is text
        point = 0xD7FF
    return key[:-1] + chr(point) + "\U0010ffff" * 8


def before(cursor: str | None) -> str | None:
    """The sort key a cursor names (its UTF-8, in hex): the page goes on below it. Any text
    of the cursor's form is a bound, so any such cursor is answered (a page, maybe empty)."""
    if cursor is None:
        return None
    return bytes.fromhex(cursor).decode("utf-8", errors="replace")


def cursor_of(sort_key: str) -> str:
    return sort_key.encode().hex()
