"""Small DynamoDB helpers the table adapters share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError


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
