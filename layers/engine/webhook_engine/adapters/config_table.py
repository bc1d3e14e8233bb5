"""Providers and functions in the DynamoDB configuration table (`pk` = kind, `sk` = id)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from webhook_engine.adapters.clients import dynamodb_table
from webhook_engine.models import Function, Provider

PROVIDER, FUNCTION = "PROVIDER", "FUNCTION"


class DynamoConfigStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    def _items(self, kind: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(kind)}
        while True:
            response = self._table.query(**kwargs)
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def list_providers(self) -> list[Provider]:
        providers = [Provider.model_validate(_plain(i)) for i in self._items(PROVIDER)]
        return sorted(providers, key=lambda provider: (provider.position, provider.name))

    def list_functions(self) -> list[Function]:
        functions = [Function.model_validate(_plain(i)) for i in self._items(FUNCTION)]
        return sorted(functions, key=lambda function: (function.provider_id, function.name))

    def put_provider(self, provider: Provider) -> None:
        self._put(PROVIDER, provider.id, provider.model_dump(mode="json"))

    def put_function(self, function: Function) -> None:
        self._put(FUNCTION, function.id, function.model_dump(mode="json"))

    def delete_provider(self, provider_id: str) -> None:
        self._table.delete_item(Key={"pk": PROVIDER, "sk": provider_id})

    def delete_function(self, function_id: str) -> None:
        self._table.delete_item(Key={"pk": FUNCTION, "sk": function_id})

    def _put(self, kind: str, item_id: str, data: dict[str, Any]) -> None:
        self._table.put_item(Item={"pk": kind, "sk": item_id} | data)


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys and turn DynamoDB's Decimals back into ints."""
    data = {name: value for name, value in item.items() if name not in ("pk", "sk")}
    for name in ("position", "version"):
        if name in data:
            data[name] = int(data[name])
    return data
