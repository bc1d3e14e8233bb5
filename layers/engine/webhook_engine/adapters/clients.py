"""Lazily created boto3 clients, reused across invocations of a warm container.

All of them come from one session: a session reads the SDK's endpoint and service data when
its first client is made, so each extra session would read them again on a cold start
(measured: an SQS client costs ~60 ms from a session of its own, ~8 ms from a shared one).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from webhook_engine.adapters.deadlines import watch_client

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3)
CONNECT_SECONDS = 3.0
_SESSION_LOCK = threading.Lock()  # a session is not thread-safe; the clients it makes are


@cache
def session() -> boto3.session.Session:
    """The container's one session (credentials resolved once)."""
    return boto3.session.Session()


@cache
def timed_client(service: str, region: str, seconds: float) -> Any:
    """A client in `region` whose calls are not retried and give up within `seconds`:
    connecting takes at most CONNECT_SECONDS (or a quarter of `seconds`), each read the rest,
    and a `CallDeadline` entered around a call ends it whatever the endpoint sends."""
    connect = min(CONNECT_SECONDS, seconds / 4)
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=connect,
        read_timeout=seconds - connect,
    )
    with _SESSION_LOCK:
        return watch_client(session().client(service, region_name=region, config=config))


@cache
def client(service: str) -> Any:
    """A boto3 client for `service`; `AWS_ENDPOINT_URL` points it at moto locally."""
    with _SESSION_LOCK:
        return session().client(service, config=_CONFIG)


@cache
def dynamodb_table(name: str) -> Any:
    """A DynamoDB Table resource for `name`."""
    with _SESSION_LOCK:
        return session().resource("dynamodb", config=_CONFIG).Table(name)


def reset() -> None:
    """Forget the session and its clients (tests switch environments between cases)."""
    for factory in (session, timed_client, client, dynamodb_table):
        factory.cache_clear()
