"""What one webhook costs on AWS: requests and capacity units counted on moto, priced.

One asynchronous GitHub push of about 1 KB, with the example configuration (GitHub matches,
two functions run), through the real ingest and process handlers in this process. The first
message pays the cold caches (configuration, secrets); the next ones are what a warm
deployment pays, and what the price per million is computed from. The push's padding
compresses well, as JSON does; the same push padded with text that does not compress shows
the other end. And what a page of the admin message list costs, for each filter, when the
matches are few and spread over a month. And what one entry of the audit trail costs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import boto3
from moto import mock_aws

from webhook_engine import wiring
from webhook_engine.domain.audit import Actor, AuditEntry
from webhook_engine.settings import get_settings
from webhooks_bench.meter import Cost, metered
from webhooks_testbed.apigateway import HttpRequest, build_event, find_route, routes
from webhooks_testbed.lambda_context import LocalLambdaContext
from webhooks_testbed.lambdas import FunctionConfig
from webhooks_testbed.sqs_events import RECEIVE_LIMIT, SqsSource, sqs_event
from webhooks_testbed.template import EXAMPLE_CONFIG, function_environment, provision

SECRET = "change-me"  # the example configuration's GitHub secret
MEMORY_GB = 0.5  # every function has 512 MB
BATCH = RECEIVE_LIMIT  # records per process invocation, at a steady rate

# List prices, us-east-1, on demand: the one place they are written.
PRICES = {
    "http_api_request": 1.00 / 1e6,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm64": 0.0000133334,
    "sqs_request": 0.40 / 1e6,
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
}


def push_body(size: int = 1024, compressible: bool = True) -> bytes:
    """A GitHub push to main of `size` bytes, padded with `x` or with text that does not
    compress (base64 of a hash chain: deterministic)."""
    push = {
        "ref": "refs/heads/main",
        "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
        "repository": {"full_name": "acme/widgets"},
        "pusher": {"name": "octocat"},
        "commits": [],
        "padding": "",
    }
    length = size - len(json.dumps(push))
    push["padding"] = "x" * length if compressible else _noise(length)
    return json.dumps(push).encode()


def _noise(length: int) -> str:
    return base64.b64encode(hashlib.shake_256(b"noise").digest(length))[:length].decode()


@dataclass
class Measured:
    cost: Cost
    seconds: float


def measure(operation: Callable[[], Any]) -> Measured:
    started = time.perf_counter()
    with metered() as cost:
        operation()
    return Measured(cost, time.perf_counter() - started)


def cost_figures(messages: int = 3) -> dict[str, Any]:
    """Ingest and process `messages` pushes one by one; the first cold, the rest warm. Then
    one more push that does not compress, warm, and the message list's pages."""
    rounds = []
    with _stack() as (ingest, receive, process):
        for _ in range(messages):
            ingested = measure(ingest)
            records = receive()  # the event source mapping's work, not the function's
            rounds.append((ingested, measure(partial(process, records))))
        noisy = measure(partial(ingest, push_body(compressible=False)))
        noisy_process = measure(partial(process, receive()))
        audit = measure(_audit_write)
    cold, warm = rounds[0], rounds[-1]
    return {
        "message": "asynchronous GitHub push, 1 KB, example configuration (2 functions)",
        "cold": {"ingest": cold[0].cost.figures(), "process": cold[1].cost.figures()},
        "warm": {"ingest": warm[0].cost.figures(), "process": warm[1].cost.figures()},
        "incompressible": {"ingest": noisy.cost.figures(), "process": noisy_process.cost.figures()},
        "warm_seconds_on_moto": {"ingest": warm[0].seconds, "process": warm[1].seconds},
        "price_per_million": price_per_million(warm[0], warm[1]),
        "incompressible_price_per_million": price_per_million(noisy, noisy_process),
        "audit": audit.cost.figures()
        | {
            "price_per_million": round(
                PRICES["dynamodb_write_unit"] * audit.cost.write_units * 1e6, 3
            )
        },
        "prices": PRICES,
    }


def _audit_write() -> None:
    """One entry of the audit trail, as a resubmission by a person records it."""
    actor = Actor(
        principal="0f2b7c1e-5d1a-4c8e-9b3f-2a6d8e4c1b7a",
        kind="jwt",
        role="operator",
        email="operator@example.com",
        source_ip="203.0.113.17",
    )
    entry = AuditEntry(
        id=uuid.uuid4().hex,
        at=datetime.now(UTC),
        actor=actor,
        action="message.resubmit",
        object="message:01M99FEMR9DHVREG9TNMWBNHZT",
        submission=2,
    )
    wiring.audit_log().record_many([entry])


def price_per_million(ingest: Measured, process: Measured) -> dict[str, float]:
    """List price of a million such messages, by service. Lambda time is what the handlers
    took here on moto, an upper bound of what they take against AWS."""
    writes = ingest.cost.write_units + process.cost.write_units
    reads = ingest.cost.read_units + process.cost.read_units
    sqs = ingest.cost.requests["sqs.SendMessage"] + 2 / BATCH  # receive and delete, batched
    seconds = ingest.seconds + process.seconds
    per_message = {
        "http_api": PRICES["http_api_request"],
        "lambda": PRICES["lambda_request"] * (1 + 1 / BATCH)
        + PRICES["lambda_gb_second_arm64"] * MEMORY_GB * seconds,
        "sqs": PRICES["sqs_request"] * sqs,
        "dynamodb": PRICES["dynamodb_write_unit"] * writes + PRICES["dynamodb_read_unit"] * reads,
    }
    figures = {name: round(price * 1e6, 3) for name, price in per_message.items()}
    return figures | {"total": round(sum(per_message.values()) * 1e6, 3)}


Handlers = tuple[
    Callable[..., Any],
    Callable[[], list[dict[str, Any]]],
    Callable[[list[dict[str, Any]]], Any],
]


@contextmanager
def moto_stack() -> Iterator[Any]:
    """The template on in-process moto, the process function's environment set; the
    environment is restored after."""
    saved = dict(os.environ)
    os.environ |= {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        with mock_aws():
            stack = provision(boto3.Session(region_name="us-east-1"))
            os.environ |= function_environment("ProcessFunction", stack)
            wiring.reset()
            yield stack
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _stack() -> Iterator[Handlers]:
    """The stack with the example configuration, and callables that ingest one signed push,
    receive the queue, process what was received."""
    with moto_stack():
        yield _handlers()


def _handlers() -> Handlers:
    # Imported once the environment is the functions': Powertools reads it at import.
    from ingest.handler import lambda_handler as ingest_handler  # noqa: PLC0415
    from process.handler import lambda_handler as process_handler  # noqa: PLC0415
    from webhooks_local.configure import apply_file  # noqa: PLC0415

    apply_file(EXAMPLE_CONFIG)
    config = FunctionConfig("Bench", "bench", "bench", 60, 512, "us-east-1")
    settings = get_settings()
    source = SqsSource(
        "ProcessFunction", settings.queue_url, settings.queue_arn, "us-east-1", 10, True
    )
    sqs = boto3.client("sqs")

    def ingest(body: bytes = push_body()) -> Any:
        return ingest_handler(_push_event(body), LocalLambdaContext(config))

    def receive() -> list[dict[str, Any]]:
        answer = sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    def process(records: list[dict[str, Any]]) -> Any:
        return process_handler(sqs_event(records, source), LocalLambdaContext(config))

    return ingest, receive, process


def _push_event(body: bytes) -> dict[str, Any]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = [
        ("content-type", "application/json"),
        ("x-github-event", "push"),
        ("x-hub-signature-256", f"sha256={digest}"),
    ]
    request = HttpRequest("POST", "/webhooks/git/push?projectId=123", headers, body, "1.2.3.4", 443)
    found = find_route(routes(), request.method, request.path)
    assert found is not None
    route, parameters = found
    return build_event(request, route, parameters, request_id="bench")
