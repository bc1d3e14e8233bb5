"""Shared fixtures: moto stacks provisioned from template.yaml, events, a Lambda context."""

from __future__ import annotations

import base64
import copy
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "incoming-webhooks")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "IncomingWebhooksTest")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from admin import deps as admin_deps
from webhook_engine import wiring
from webhook_engine.config.apply import Plan, apply_config
from webhook_engine.config.document import ConfigDocument
from webhook_engine.pipeline import processing
from webhooks_local.template import ProvisionedStack, function_environment, provision

EVENTS = Path(__file__).parent / "events"
REPO = Path(__file__).parents[1]


@dataclass
class LambdaContext:
    function_name: str = "test"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


CONTEXT = LambdaContext()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "IncomingWebhooksTest",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def _reset_caches() -> None:
    wiring.reset()
    admin_deps.catalog.cache_clear()
    processing.processor.cache_clear()
    parameters.clear_caches()


@pytest.fixture
def stack(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProvisionedStack]:
    """Every resource of template.yaml in moto, and the functions' environment set."""
    with mock_aws():
        provisioned = provision(boto3.Session(region_name="us-east-1"), stack_name="test")
        for name, value in function_environment("IngestFunction", provisioned).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("CONFIG_CACHE_SECONDS", "0")
        _reset_caches()
        yield provisioned
    _reset_caches()


@pytest.fixture
def configure(stack: ProvisionedStack):
    """Apply a configuration document (YAML text) to the stack."""

    def apply(text: str, prune: bool = False) -> Plan:
        plan = apply_config(ConfigDocument.from_text(text), prune=prune)
        processing.processor.cache_clear()
        return plan

    return apply


def http_event(
    uri: str,
    body: bytes = b"",
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    query: str = "",
    binary: bool = False,
) -> dict[str, Any]:
    """An HTTP API payload 2.0 event, built on the recorded GitHub one."""
    event = copy.deepcopy(json.loads((REPO / "events/webhook_github_push.json").read_text()))
    event["rawPath"] = f"/webhooks/{uri}"
    event["rawQueryString"] = query
    event["pathParameters"] = {"uri": uri}
    event["headers"] = {"content-type": "application/json", "user-agent": "test"} | {
        k.lower(): v for k, v in (headers or {}).items()
    }
    event["queryStringParameters"] = None
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = f"/webhooks/{uri}"
    event["requestContext"]["timeEpoch"] = int(time.time() * 1000)
    if binary:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = body.decode("utf-8"), False
    return event


def admin_event(
    path: str, *, method: str = "GET", query: str = "", body: Any = None, token: str | None = None
) -> dict[str, Any]:
    """An admin API event as the IAM-authorized HTTP API sends it."""
    event = json.loads((REPO / "events/admin_health.json").read_text())
    event["rawPath"] = f"/admin/v1{path}"
    event["rawQueryString"] = query
    event["queryStringParameters"] = dict(parse_qsl(query)) or None
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = f"/admin/v1{path}"
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["body"] = body if body is None or isinstance(body, str) else json.dumps(body)
    event["isBase64Encoded"] = False
    if token is not None:
        event["headers"]["authorization"] = f"Bearer {token}"
    return event
