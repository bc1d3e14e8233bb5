"""Providers and functions in the DynamoDB configuration table (`pk` = kind, `sk` = id).

A revision counter (`pk = META`, `sk = revision`) goes up with every write, so processing can
check in one read whether its cached configuration is still current.

Every saved script version is kept as `pk = VERSION#<id>`, `sk = <version, zero-padded>`, so an
operator can see the code that handled a message (executions record `script_version`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel, ValidationError

from webhook_engine.adapters.clients import client, dynamodb_table
from webhook_engine.domain.errors import (
    InvalidRequestError,
    NotFoundError,
    UnreadableItemError,
    describe,
    describe_error,
)
from webhook_engine.domain.models import Function, Provider, ScriptVersion
from webhook_engine.domain.ports import UnreadableItem
from webhook_engine.domain.text import require_text
from webhook_engine.domain.times import isoformat
from webhook_engine.observability import logger, metrics

PROVIDER, FUNCTION = "PROVIDER", "FUNCTION"
_serializer, _deserializer = TypeSerializer(), TypeDeserializer()
Raw = dict[str, Any]  # an item in DynamoDB's JSON, as the client (not the resource) has it


class DynamoConfigStore:
    """Items are read one by one through their model, so that one that cannot be read is left
    out (logged, counted in ConfigItemsUnreadable, listed by `unreadable`) and stops nothing
    else; every write is read back through the same model before it is acknowledged."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    def list_providers(self) -> list[Provider]:
        providers = self._readable(PROVIDER, Provider)
        return sorted(providers, key=lambda provider: (provider.position, provider.name))

    def list_functions(self) -> list[Function]:
        functions = self._readable(FUNCTION, Function)
        return sorted(functions, key=lambda function: (function.provider_id, function.name))

    def unreadable(self) -> list[UnreadableItem]:
        return [
            *self._read(PROVIDER, Provider)[1],
            *self._read(FUNCTION, Function)[1],
        ]

    def get_provider(self, provider_id: str) -> Provider:
        return _model(Provider, self._get(PROVIDER, provider_id))

    def get_function(self, function_id: str) -> Function:
        return _model(Function, self._get(FUNCTION, function_id))

    def list_versions(self, owner_id: str) -> list[ScriptVersion]:
        items = self._raw_items(f"VERSION#{owner_id}")
        versions = [ScriptVersion.model_validate(_plain(_python(item))) for item in items]
        return sorted(versions, key=lambda version: version.version, reverse=True)

    def revision(self) -> int:
        key = {"pk": "META", "sk": "revision"}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return int(item["revision"]) if item else 0

    def put_provider(self, provider: Provider) -> None:
        self._put(PROVIDER, provider.id, provider.version, provider.match_script, provider)

    def put_function(self, function: Function) -> None:
        self._put(FUNCTION, function.id, function.version, function.script, function)

    def delete_provider(self, provider_id: str) -> None:
        self._table.delete_item(Key={"pk": PROVIDER, "sk": provider_id})
        self._bump()

    def delete_function(self, function_id: str) -> None:
        self._table.delete_item(Key={"pk": FUNCTION, "sk": function_id})
        self._bump()

    # reads ----------------------------------------------------------------------------------

    def _raw_items(self, kind: str) -> Iterator[Raw]:
        """Every item of `kind`, as stored: deserialised one by one by the caller."""
        arguments: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :kind",
            "ExpressionAttributeValues": {":kind": {"S": kind}},
        }
        while True:
            response = client("dynamodb").query(**arguments)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _read[M: Provider | Function](
        self, kind: str, model: type[M]
    ) -> tuple[list[M], list[UnreadableItem]]:
        readable, unreadable = [], []
        for raw in self._raw_items(kind):
            try:
                readable.append(_model(model, raw))
            except UnreadableItemError as error:
                unreadable.append(_unreadable(kind, raw, error.message))
        return readable, unreadable

    def _readable[M: Provider | Function](self, kind: str, model: type[M]) -> list[M]:
        """The items of `kind` that can be read; the others are logged and counted."""
        readable, unreadable = self._read(kind, model)
        for item in unreadable:
            logger.error(
                "configuration item unreadable; left out",
                kind=item.kind,
                item_id=item.id,
                error=item.error,
            )
        if unreadable:
            metrics.add_metric(
                name="ConfigItemsUnreadable", unit=MetricUnit.Count, value=len(unreadable)
            )
        return readable

    def _get(self, kind: str, item_id: str, consistent: bool = False) -> Raw:
        if not item_id or len(item_id) > 128:  # no item has such a key; DynamoDB refuses it
            raise NotFoundError(f"{kind.lower()} {item_id[:128]} not found")
        item = client("dynamodb").get_item(
            TableName=self.table_name,
            Key={"pk": {"S": kind}, "sk": {"S": item_id}},
            ConsistentRead=consistent,
        )
        if "Item" not in item:
            raise NotFoundError(f"{kind.lower()} {item_id} not found")
        return dict(item["Item"])

    # writes ---------------------------------------------------------------------------------

    def _put(self, kind: str, item_id: str, version: int, script: str, model: BaseModel) -> None:
        """Write the item, read it back through its model (a write the table would keep but
        not give back is undone and refused), then its history item for a new version."""
        data = {"pk": kind, "sk": item_id} | model.model_dump(mode="json")
        require_text(data, f"{kind.lower()} {item_id}")
        item = _typed(data)
        old = (
            client("dynamodb")
            .put_item(TableName=self.table_name, Item=item, ReturnValues="ALL_OLD")
            .get("Attributes")
        )
        try:
            _model(type(model), self._get(kind, item_id, consistent=True))
        except UnreadableItemError as error:
            self._undo(kind, item_id, old)
            raise InvalidRequestError(
                f"{kind.lower()} {item_id} would not read back as written ({error.message}); "
                "nothing was changed"
            ) from error
        if old is None or old.get("version") != {"N": str(version)}:
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

    def _undo(self, kind: str, item_id: str, old: Raw | None) -> None:
        if old is None:
            self._table.delete_item(Key={"pk": kind, "sk": item_id})
        else:
            client("dynamodb").put_item(TableName=self.table_name, Item=old)

    def _bump(self) -> None:
        self._table.update_item(
            Key={"pk": "META", "sk": "revision"},
            UpdateExpression="ADD revision :one",
            ExpressionAttributeValues={":one": 1},
        )


def _model[M: BaseModel](model: type[M], raw: Raw) -> M:
    """The item through its model; UnreadableItemError saying what is wrong (never a value)."""
    try:
        return model.model_validate(_plain(_python(raw)))
    except ValidationError as error:
        reason = describe(error)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        reason = describe_error(error)
    item_id = raw.get("sk", {}).get("S", "?")
    raise UnreadableItemError(
        f"{model.__name__.lower()} {item_id} cannot be read ({reason}); "
        "replace it with PUT or delete it"
    )


def _python(raw: Raw) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in raw.items()}


def _typed(item: dict[str, Any]) -> Raw:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def _unreadable(kind: str, raw: Raw, error: str) -> UnreadableItem:
    """What can be told of an unreadable item from its plain attributes."""

    def text(name: str) -> str | None:
        value = raw.get(name)
        return value.get("S") if isinstance(value, dict) else None

    position = raw.get("position")
    number = position.get("N") if isinstance(position, dict) else None
    return UnreadableItem(
        kind=kind.lower(),
        id=text("sk") or "?",
        error=error,
        name=text("name"),
        provider_id=text("provider_id"),
        position=int(number) if number and number.isdigit() else None,
    )


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys and turn DynamoDB's Decimals back into numbers."""
    return {name: _number(value) for name, value in item.items() if name not in ("pk", "sk")}


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _number(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_number(item) for item in value]
    return value
