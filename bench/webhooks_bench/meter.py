"""A meter of AWS requests and DynamoDB capacity units, for in-process moto (`mock_aws`).

Every botocore call made while the meter runs is counted by service and operation. For each
DynamoDB call the capacity units are worked out from the items it really touched, read from
moto's tables before and after the call, with DynamoDB's pricing rules:

- a write costs 1 unit per started KB of the larger of the item before and after, again for
  every global index whose projection of the item changed (twice when its key changed), and
  twice in a transaction;
- a read costs 1 unit per started 4 KB (strongly consistent), half that eventually
  consistent; a BatchGetItem adds up the items it returned, a Query the items it examined
  (those its filter dropped too: they are read again without the filter to be weighed).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase
from boto3.dynamodb.types import TypeSerializer
from botocore.client import BaseClient
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

ACCOUNT = "123456789012"
_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
_serializer = TypeSerializer()


@dataclass
class Cost:
    """What some code cost: requests by `service.Operation`, and DynamoDB capacity units."""

    requests: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.total_requests,
            "by_operation": dict(sorted(self.requests.items())),
            "write_units": self.write_units,
            "read_units": self.read_units,
        }


@contextmanager
def metered(region: str = "us-east-1") -> Iterator[Cost]:
    """Count every AWS call made inside the block (moto must be active, in-process)."""
    cost = Cost()
    original = BaseClient._make_api_call

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        cost.requests[f"{service}.{operation}"] += 1
        if service != "dynamodb":
            return original(client, operation, params)
        tables = _Tables(region)
        writes = _writes(operation, params, tables)
        before = {key: tables.size(*key) for key in writes}
        try:
            response = original(client, operation, params)
        finally:
            cost.write_units += _write_units(operation, writes, before, tables)
        examined = response
        if operation == "Query" and "FilterExpression" in params:
            examined = original(client, operation, _unfiltered(params))
        cost.read_units += _read_units(operation, params, examined)
        return response

    BaseClient._make_api_call = make_api_call
    try:
        yield cost
    finally:
        BaseClient._make_api_call = original


# What a call writes: (table, key) pairs

Key = tuple[str, tuple[tuple[str, str], ...]]  # table, then (attribute, JSON of its value)


def _writes(operation: str, params: dict[str, Any], tables: _Tables) -> list[Key]:
    written = _WRITTEN.get(operation)
    return [] if written is None else [tables.key(table, item) for table, item in written(params)]


Written = list[tuple[str, dict[str, Any]]]  # (table, the item or its key)


def _single_write(params: dict[str, Any]) -> Written:
    return [(params["TableName"], params.get("Key") or params["Item"])]


def _batch_writes(params: dict[str, Any]) -> Written:
    return [
        (
            table,
            request["PutRequest"]["Item"]
            if "PutRequest" in request
            else request["DeleteRequest"]["Key"],
        )
        for table, requests in params["RequestItems"].items()
        for request in requests
    ]


def _transaction_writes(params: dict[str, Any]) -> Written:
    return [
        (body["TableName"], body.get("Key") or body["Item"])
        for action in params["TransactItems"]
        for kind, body in action.items()
        if kind in ("Put", "Update", "Delete")
    ]


_WRITTEN: dict[str, Callable[[dict[str, Any]], Written]] = {
    "PutItem": _single_write,
    "UpdateItem": _single_write,
    "DeleteItem": _single_write,
    "BatchWriteItem": _batch_writes,
    "TransactWriteItems": _transaction_writes,
}


def _typed(value: Any) -> dict[str, Any]:
    """A value in DynamoDB's JSON form (the resource layer passes Python values)."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _TYPES:
        return value
    typed: dict[str, Any] = _serializer.serialize(value)
    return typed


class _Tables:
    """moto's tables, read directly (not through the API, so not metered)."""

    def __init__(self, region: str) -> None:
        self.backend = dynamodb_backends[ACCOUNT][region]

    def key(self, table_name: str, item: dict[str, Any]) -> Key:
        """The item's key attributes, hashable."""
        table = self.backend.get_table(table_name)
        names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
        return table_name, tuple((n, json.dumps(_typed(item[n]), sort_keys=True)) for n in names)

    def size(self, table_name: str, key: tuple[tuple[str, str], ...]) -> dict[str, int]:
        """The item's size and the sizes of its projections into the indexes it is in."""
        table = self.backend.get_table(table_name)
        values = [DynamoType(json.loads(value)) for _, value in key]
        item = table.get_item(values[0], values[1] if len(values) > 1 else None)
        if item is None:
            return {}
        table = self.backend.get_table(table_name)
        sizes = {"": item.size()}
        for index in table.global_indexes:
            if all(attr in item.attrs for attr in index.schema_key_attrs):
                sizes[index.name] = index.project(item).size()
        return sizes


def _write_units(
    operation: str, writes: list[Key], before: dict[Key, dict[str, int]], tables: _Tables
) -> float:
    factor = 2 if operation == "TransactWriteItems" else 1
    units = 0
    for key in writes:
        old, new = before[key], tables.size(*key)
        units += _kb(max(old.get("", 0), new.get("", 0)))
        for index in (old.keys() | new.keys()) - {""}:
            if old.get(index) != new.get(index):
                units += _kb(max(old.get(index, 0), new.get(index, 0)))
    return float(units * factor)


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


# Reads


def _unfiltered(params: dict[str, Any]) -> dict[str, Any]:
    """The same Query with a filter every item passes (one that still uses the original's
    names and values, which DynamoDB requires); as the resource layer or the client gave it."""
    original = params["FilterExpression"]
    if isinstance(original, ConditionBase):
        return params | {"FilterExpression": Attr("pk").exists() | original}
    names = dict(params.get("ExpressionAttributeNames", {})) | {"#meter_pk": "pk"}
    condition = f"attribute_exists(#meter_pk) OR ({original})"
    return params | {"FilterExpression": condition, "ExpressionAttributeNames": names}


def _read_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        sizes = [_json_size(response.get("Item") or {})]
    elif operation == "Query":
        sizes = [sum(_json_size(item) for item in response.get("Items", []))]
    elif operation == "BatchGetItem":
        sizes = [
            _json_size(item) for items in response.get("Responses", {}).values() for item in items
        ]
    else:
        return 0.0
    units = sum(max(1, math.ceil(size / 4096)) for size in sizes)
    return float(units) if consistent else units / 2


def _json_size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules (names plus values), from its JSON or Python form."""
    return sum(
        len(name.encode()) + DynamoType(_typed(value)).size() for name, value in item.items()
    )
