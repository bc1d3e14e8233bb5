"""Lazily created boto3 clients, reused across invocations of a warm container."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3)


@cache
def client(service: str) -> Any:
    """A boto3 client for `service`; `AWS_ENDPOINT_URL` points it at moto locally."""
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def dynamodb_table(name: str) -> Any:
    """A DynamoDB Table resource for `name`."""
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)
