"""Faults injected at the AWS calls, under moto: a call that fails after the SDK's retries, or
whose answer is lost after it was applied (the SDK then sends it again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

Params = dict[str, Any]


@dataclass
class Fault:
    """`operation` calls for which `when(params)` holds: refused with `code`, or (`lost`)
    applied and sent again, as the SDK does when an answer does not come back. `times`:
    how many calls it hits (None: all)."""

    operation: str
    when: Callable[[Params], bool] = lambda params: True
    code: str = "ThrottlingException"
    lost: bool = False
    times: int | None = None
    hits: int = field(default=0, init=False)

    def hit(self, operation: str, params: Params) -> bool:
        if operation != self.operation or not self.when(params):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


@contextmanager
def faults(*injected: Fault) -> Iterator[tuple[Fault, ...]]:
    """Inject the faults into every botocore client while the block runs."""
    original = BaseClient._make_api_call

    def make_api_call(client: BaseClient, operation: str, params: Params) -> Any:
        fault = next((f for f in injected if f.hit(operation, params)), None)
        if fault is None:
            return original(client, operation, params)
        if fault.lost:
            original(client, operation, params)
            return original(client, operation, params)
        raise ClientError({"Error": {"Code": fault.code, "Message": "injected"}}, operation)

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    try:
        yield injected
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def updating(*attributes: str) -> Callable[[Params], bool]:
    """An UpdateItem whose expression names all of `attributes` (names are placeholders)."""

    def when(params: Params) -> bool:
        names = set(params.get("ExpressionAttributeNames", {}).values())
        return all(attribute in names for attribute in attributes)

    return when
