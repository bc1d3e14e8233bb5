"""Small DynamoDB helpers the table adapters share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

_serializer = TypeSerializer()


def query(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a Query finds, fetching pages only as they are consumed."""
    while True:
        response = table.query(**kwargs)
        yield from response["Items"]
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def is_condition_failure(error: ClientError) -> bool:
    """The write's condition did not hold (as opposed to a failure of the service)."""
    code: str = error.response.get("Error", {}).get("Code", "")
    return code == "ConditionalCheckFailedException"


class Update:
    """An UpdateItem's expressions, with every attribute name and value behind a placeholder
    (names such as `status` are reserved words). A value of None removes the attribute."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": []}

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#a{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def set(self, attribute: str, value: Any) -> Update:
        if value is None:
            return self.remove(attribute)
        self._clauses["SET"].append(f"{self.name(attribute)} = {self.value(value)}")
        return self

    def set_if_absent(self, attribute: str, value: Any) -> Update:
        name = self.name(attribute)
        self._clauses["SET"].append(f"{name} = if_not_exists({name}, {self.value(value)})")
        return self

    def remove(self, *attributes: str) -> Update:
        self._clauses["REMOVE"] += [self.name(attribute) for attribute in attributes]
        return self

    def add(self, attribute: str, value: Any) -> Update:
        self._clauses["ADD"].append(f"{self.name(attribute)} {self.value(value)}")
        return self

    def arguments(self, condition: str, typed: bool = False) -> dict[str, Any]:
        """UpdateItem's arguments; `typed`: values in DynamoDB's JSON (the client, not the
        resource). `condition` is built with this Update's placeholders."""
        clauses = (f"{kind} {', '.join(parts)}" for kind, parts in self._clauses.items() if parts)
        values = self.values
        if typed:
            values = {name: _serializer.serialize(value) for name, value in values.items()}
        arguments = {
            "UpdateExpression": " ".join(clauses),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": self.names,
        }
        return arguments | ({"ExpressionAttributeValues": values} if values else {})
