"""Shared fixtures: moto stacks provisioned from template.yaml, events, a Lambda context.

Events, SQS records and the Lambda context come from the testbed's builders, which the local
stack uses too, so that tests and the local stack hand the handlers the same thing."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "incoming-webhooks")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "IncomingWebhooksTest")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from hypothesis import settings
from moto import mock_aws

from admin import services as admin_services
from webhook_engine import wiring
from webhook_engine.config.apply import Plan, apply_config
from webhook_engine.config.document import ConfigDocument
from webhooks_testbed import sqs_move_tasks
from webhooks_testbed.apigateway import HttpRequest, build_event, find_route, routes
from webhooks_testbed.authorizer import iam_authorizer
from webhooks_testbed.lambda_context import LocalLambdaContext
from webhooks_testbed.lambdas import FunctionConfig
from webhooks_testbed.template import ProvisionedStack, function_environment, provision

# Property-based tests draw the same examples on every run: the suite stays deterministic.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")

EVENTS = Path(__file__).parent / "events"
REPO = Path(__file__).parents[1]


# The function the tests' handlers play: the template's 30 s default timeout.
TEST_FUNCTION = FunctionConfig("TestFunction", "test", "test.handler", 30, 512, "us-east-1")


def new_context() -> LocalLambdaContext:
    """A fresh Lambda context (its remaining time counts down from the function's timeout)."""
    return LocalLambdaContext(TEST_FUNCTION)


class ShortContext(LocalLambdaContext):
    """An invocation with only `left_ms` milliseconds left, however long it runs."""

    def __init__(self, left_ms: int = 30_000) -> None:
        super().__init__(TEST_FUNCTION)
        self.left_ms = left_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.left_ms


@pytest.fixture
def lambda_context() -> LocalLambdaContext:
    return new_context()


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
    admin_services.container.cache_clear()
    parameters.clear_caches()


@pytest.fixture
def stack(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProvisionedStack]:
    """Every resource of template.yaml in moto, and the functions' environment set."""
    sqs_move_tasks.install()  # the message move tasks moto lacks, as the local stack has them
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
        document = ConfigDocument.from_text(text)
        plan = apply_config(document, wiring.config_store(), wiring.secret_store(), prune=prune)
        wiring.processor.cache_clear()
        return plan

    return apply


def api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The HTTP API payload 2.0 event of a request, built as the local gateway builds it."""
    request = HttpRequest(
        method=method,
        target=f"{path}?{query}" if query else path,
        headers=list((headers or {}).items()),
        body=body,
        source_ip="203.0.113.17",
        server_port=443,
    )
    found = find_route(routes(), method, request.path)
    assert found is not None, f"no route takes {method} {path}"
    route, parameters = found
    return build_event(
        request, route, parameters, request_id=str(uuid.uuid4()), authorizer=authorizer
    )


def http_event(
    uri: str,
    body: bytes = b"",
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    query: str = "",
    binary: bool = False,
) -> dict[str, Any]:
    """A webhook's event; `binary` sends the body base64-encoded whatever its content type."""
    defaults = {"content-type": "application/json", "user-agent": "test"}
    given = {name.lower(): value for name, value in (headers or {}).items()}
    event = api_event(method, f"/webhooks/{uri}", query=query, headers=defaults | given, body=body)
    if binary:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def admin_event(
    path: str, *, method: str = "GET", query: str = "", body: Any = None, authorized: bool = True
) -> dict[str, Any]:
    """An admin API event as the HTTP API sends it: with the IAM authorizer's caller identity,
    or (`authorized=False`) without, as the local gateway forwards a call lacking the token."""
    headers = {"accept": "application/json"}
    if body is not None:
        headers["content-type"] = "application/json"
    data = body if body is None or isinstance(body, str) else json.dumps(body)
    return api_event(
        method,
        f"/admin/v1{path}",
        query=query,
        headers=headers,
        body=(data or "").encode(),
        authorizer=iam_authorizer() if authorized else None,
    )
