"""Providers and functions in the DynamoDB configuration table (`pk` = kind, `sk` = id).

A revision counter (`pk = META`, `sk = revision`) goes up with every write, so processing can
check in one read whether its cached configuration is still current.

Every saved script version is kept as `pk = VERSION#<id>`, `sk = <version, zero-padded>`, so an
operator can see the code that handled a message (executions record `script_version`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel

from webhook_engine.adapters.clients import dynamodb_table
from webhook_engine.adapters.dynamo import query
from webhook_engine.domain.errors import NotFoundError
from webhook_engine.domain.models import Function, Provider, ScriptVersion
from webhook_engine.domain.times import isoformat

PROVIDER, FUNCTION = "PROVIDER", "FUNCTION"


class DynamoConfigStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    def _items(self, kind: str) -> Iterator[dict[str, Any]]:
        return query(self._table, KeyConditionExpression=Key("pk").eq(kind))

    def list_providers(self) -> list[Provider]:
        providers = [Provider.model_validate(_plain(i)) for i in self._items(PROVIDER)]
        return sorted(providers, key=lambda provider: (provider.position, provider.name))

    def list_functions(self) -> list[Function]:
        functions = [Function.model_validate(_plain(i)) for i in self._items(FUNCTION)]
        return sorted(functions, key=lambda function: (function.provider_id, function.name))

    def get_provider(self, provider_id: str) -> Provider:
        return Provider.model_validate(_plain(self._get(PROVIDER, provider_id)))

    def get_function(self, function_id: str) -> Function:
        return Function.model_validate(_plain(self._get(FUNCTION, function_id)))

    def list_versions(self, owner_id: str) -> list[ScriptVersion]:
        items = self._items(f"VERSION#{owner_id}")
        versions = [ScriptVersion.model_validate(_plain(item)) for item in items]
        return sorted(versions, key=lambda version: version.version, reverse=True)

    def revision(self) -> int:
        key = {"pk": "META", "sk": "revision"}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return int(item["revision"]) if item else 0

    def put_provider(self, provider: Provider) -> None:
        self._put(PROVIDER, provider.id, provider.version, provider.match_script, provider)

    def put_function(self, function: Function) -> None:
        self._put(FUNCTION, function.id, function.version, function.script, function)

    def _get(self, kind: str, item_id: str) -> dict[str, Any]:
        item = self._table.get_item(Key={"pk": kind, "sk": item_id}).get("Item")
        if item is None:
            raise NotFoundError(f"{kind.lower()} {item_id} not found")
        return dict(item)

    def delete_provider(self, provider_id: str) -> None:
        self._table.delete_item(Key={"pk": PROVIDER, "sk": provider_id})
        self._bump()

    def delete_function(self, function_id: str) -> None:
        self._table.delete_item(Key={"pk": FUNCTION, "sk": function_id})
        self._bump()

    def _put(self, kind: str, item_id: str, version: int, script: str, model: BaseModel) -> None:
        """Write the item; a version it did not have before also gets its history item."""
        item = {"pk": kind, "sk": item_id} | model.model_dump(mode="json")
        old = self._table.put_item(Item=item, ReturnValues="ALL_OLD").get("Attributes", {})
        if old.get("version") != version:
            self._table.put_item(
                Item={
                    "pk": f"VERSION#{item_id}",
                    "sk": f"{version:06d}",
                    "version": version,
                    "script": script,
                    "saved_at": isoformat(datetime.now(UTC)),
                }
            )
        self._bump()

    def _bump(self) -> None:
        self._table.update_item(
            Key={"pk": "META", "sk": "revision"},
            UpdateExpression="ADD revision :one",
            ExpressionAttributeValues={":one": 1},
        )


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys and turn DynamoDB's Decimals back into ints."""
    data = {name: value for name, value in item.items() if name not in ("pk", "sk")}
    for name in ("position", "version"):
        if name in data:
            data[name] = int(data[name])
    return data
