"""The audit trail in DynamoDB (docs/architecture.md, "Audit trail").

One item per write, keyed by what it changed (`object`, then time); two indexes read it by
actor and by time alone. Items expire after the retention (TTL). Admin writes are few: the
time index's single partition key takes far more than any team makes.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from webhook_engine.adapters import clients
from webhook_engine.domain.audit import AuditEntry, AuditFilter, AuditPage
from webhook_engine.domain.errors import InvalidRequestError

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
        request = _request(filters, limit) | _start(cursor, filters)
        try:
            response = self._table.query(**request)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if cursor is not None and code == "ValidationException":  # a key of another table
                raise _not_a_cursor() from error
            raise
        items = [AuditEntry.model_validate_json(item["entry"]) for item in response["Items"]]
        last = response.get("LastEvaluatedKey")
        return AuditPage(items=items, next_cursor=_cursor(last) if last else None)


def _request(filters: AuditFilter, limit: int) -> dict[str, Any]:
    """The Query that reads `filters` newest first: by object, else by actor, else by time;
    an actor given with an object filters the object's items."""
    key, value, index = _key(filters)
    names, values = {"#key": key}, {":key": value}
    condition = "#key = :key" + _time_range(filters, values)
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


def _time_range(filters: AuditFilter, values: dict[str, Any]) -> str:
    """The sort key's bounds: ISO times sort as text; `~` sorts after every `#id`."""
    if filters.since is not None:
        values[":since"] = filters.since.isoformat()
    if filters.until is not None:
        values[":until"] = f"{filters.until.isoformat()}~"
    if filters.since is not None and filters.until is not None:
        return " AND #sk BETWEEN :since AND :until"
    if filters.since is not None:
        return " AND #sk >= :since"
    if filters.until is not None:
        return " AND #sk <= :until"
    return ""


def _start(cursor: str | None, filters: AuditFilter) -> dict[str, Any]:
    """The page's start: the last key of the page before, of the same query."""
    if cursor is None:
        return {}
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:
        raise _not_a_cursor() from error
    name, value, index = _key(filters)
    expected = {"object", "sk"} | ({name} if index else set())
    if not isinstance(key, dict) or set(key) != expected or key.get(name) != value:
        raise _not_a_cursor()
    if not all(isinstance(part, str) and part for part in key.values()):
        raise _not_a_cursor()
    return {"ExclusiveStartKey": key}


def _not_a_cursor() -> InvalidRequestError:
    return InvalidRequestError("cursor: not a cursor this API gave for these filters")


def _cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()
