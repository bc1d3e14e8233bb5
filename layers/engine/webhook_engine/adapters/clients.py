"""Lazily created boto3 clients, reused across invocations of a warm container."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3)
CONNECT_SECONDS = 3.0
_SESSION_LOCK = threading.Lock()


@cache
def session() -> boto3.session.Session:
    """The container's one session (credentials resolved once), for clients made per region."""
    return boto3.session.Session()


@cache
def timed_client(service: str, region: str, seconds: float) -> Any:
    """A client in `region` whose calls are not retried and give up within `seconds`:
    connecting takes at most CONNECT_SECONDS (or a quarter of `seconds`), reading the rest."""
    connect = min(CONNECT_SECONDS, seconds / 4)
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=connect,
        read_timeout=seconds - connect,
    )
    with _SESSION_LOCK:  # a session is not thread-safe; the clients it makes are
        return session().client(service, region_name=region, config=config)


@cache
def client(service: str) -> Any:
    """A boto3 client for `service`; `AWS_ENDPOINT_URL` points it at moto locally."""
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def dynamodb_table(name: str) -> Any:
    """A DynamoDB Table resource for `name`."""
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)
