"""A function's `http` calls through the real handlers: the address policy end to end, against
a server on loopback (the only place these tests send packets)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import http_event
from tests.integration.loopback_http import LoopbackServer
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import ingest, stored
from webhook_engine import wiring
from webhook_engine.domain.models import ActionOutcome, ExecutionStatus

CONFIG = """
providers:
  - name: Any
    match_script: return True
    functions:
      - name: notify
        uri: notify
        script: |
          r = http.post("http://127.0.0.1:{port}/echo?k=secret-query", json={{"id": message_id}})
          log.set_message("notified: " + str(r.status) + " " + r.json()["body"])
"""


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    started = LoopbackServer().start()
    yield started
    started.stop()


def notify(configure, context, server: LoopbackServer):
    """Configure the notifying function, send it a webhook, run the queue; its execution."""
    configure(CONFIG.format(port=server.port))
    _, body = ingest(http_event("notify", b"{}"), context)
    drain_queue(context)
    (execution,) = stored(body["message_id"]).executions
    return execution, body["message_id"]


def test_loopback_is_refused_unless_the_deployment_allows_it(
    configure, lambda_context, server, monkeypatch
):
    # Given no allowed host
    server.reset()

    # When the function calls the loopback server
    refused, _ = notify(configure, lambda_context, server)

    # Then the call was refused before any connection, naming the rule
    assert refused.status is ExecutionStatus.FAILED
    assert "ActionRefused: http: 127.0.0.1 is a loopback address" in (refused.error or "")
    assert refused.actions[0].outcome is ActionOutcome.REFUSED
    assert server.requests == []

    # When the deployment allows exactly that host and port
    monkeypatch.setenv("HTTP_ALLOWED_HOSTS", f"127.0.0.1:{server.port}")
    wiring.reset()
    allowed, message_id = notify(configure, lambda_context, server)

    # Then the request reached it once; the record shows method, URL without query, status
    (action,) = allowed.actions
    assert allowed.status is ExecutionStatus.SUCCESS, allowed.error
    assert server.requests == ["POST /echo?k=secret-query"]
    assert (action.call, action.outcome, action.status) == (
        f"POST http://127.0.0.1:{server.port}/echo",
        ActionOutcome.DONE,
        200,
    )
    assert "secret-query" not in allowed.model_dump_json()
    summary = stored(message_id).message.summary or ""
    assert summary.startswith("notified: 200")
    assert json.loads(summary.split(" ", 2)[2]) == {"id": message_id}
