"""Builders the unit tests share: providers, functions, requests and stores holding them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.fakes import FakeConfigStore, FakeMessageStore
from webhook_engine.domain.models import (
    Function,
    IncomingRequest,
    Message,
    Mode,
    Property,
    Provider,
)

RECEIVED_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand: pass it where the code under test reads the time."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def provider(
    name: str = "P", *, match_script: str = "return True", position: int = 0, **fields: Any
) -> Provider:
    """A provider whose id is derived from its name (`p-<name>`)."""
    fields.setdefault("id", f"p-{name}")
    return Provider(name=name, match_script=match_script, position=position, **fields)


def function(
    owner: Provider, name: str = "f", *, uri: str = "hook", script: str = "pass", **fields: Any
) -> Function:
    """A function of `owner` whose id is derived from both names (`f-<provider>-<name>`)."""
    fields.setdefault("id", f"f-{owner.name}-{name}")
    return Function(provider_id=owner.id, name=name, uri=uri, script=script, **fields)


def secret(value: str | None = None) -> Property:
    return Property(value=value, secret=True)


def plain(value: str) -> Property:
    return Property(value=value)


def request(
    uri: str = "hook",
    *,
    body: bytes = b"{}",
    headers: dict[str, str] | None = None,
    method: str = "POST",
    query: str = "",
) -> IncomingRequest:
    return IncomingRequest(
        request_id="r-1",
        method=method,
        uri=uri,
        query_string=query,
        headers={"content-type": "application/json"} | (headers or {}),
        body=body,
        source_ip="192.0.2.1",
        received_at=RECEIVED_AT,
    )


def message(message_id: str = "m-1", **fields: Any) -> Message:
    """A stored message: the request of `request(**fields)` with an id."""
    return Message(id=message_id, **request(**fields).model_dump())


def config_store(*items: Provider | Function) -> FakeConfigStore:
    """A configuration store holding `items`, written as the adapters would write them."""
    store = FakeConfigStore()
    for item in items:
        if isinstance(item, Provider):
            store.put_provider(item)
        else:
            store.put_function(item)
    return store


def message_store(*messages: Message, mode: Mode = Mode.ASYNC) -> FakeMessageStore:
    store = FakeMessageStore()
    for each in messages:
        store.put_message(each, mode)
    return store
