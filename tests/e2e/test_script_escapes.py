"""Escapes through the local stack over HTTP: a script crashing its worker inside the handler's
worker process, or leaving the language wall, fails its own execution, and the stack goes on
answering."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import TOKEN
from tests.e2e.test_local_stack import PUSH, github_headers, processed
from tests.escapes import ENUM_ESCAPE, ENUM_ESCAPE_REFUSED

pytestmark = pytest.mark.e2e

CONFIG_WINDOW = 90.0
CRASH = "t = ()\nfor i in range(300000):\n    t = (t,)\nreturn hash(t)"
ENVIRONMENT = "import os\nreturn os.environ['AWS_SECRET_ACCESS_KEY']"


def admin_send(client, method: str, path: str, body: dict) -> dict:
    answer = client.request(
        method,
        f"/admin/v1{path}",
        json.dumps(body).encode(),
        {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
    )
    assert answer.status in (200, 201), answer.body
    sent: dict = answer.json()
    return sent


def admin_post(client, path: str, body: dict) -> dict:
    return admin_send(client, "POST", path, body)


def sent_once_configured(client, headers: dict[str, str]):
    """The synchronous answer once warm workers have taken the new provider (a container
    re-reads the configuration within its cache window, 60 s)."""
    deadline = time.monotonic() + CONFIG_WINDOW
    while True:
        answer = client.request("POST", "/webhooks/escape", b"{}", headers)
        if answer.status != 404 or time.monotonic() > deadline:
            return answer
        time.sleep(1.0)


def evaluated_first(client, provider_id: str) -> None:
    """Put a provider first, before whatever other tests of the session configured."""
    answer = client.admin("GET", "/providers")
    others = [p["id"] for p in answer.json()["items"] if p["id"] != provider_id]
    admin_send(client, "PUT", "/providers/order", {"ids": [provider_id, *others]})


def test_a_crashing_script_fails_alone_and_the_stack_goes_on(local_stack):
    # Given a provider whose functions segfault their worker, reach for the environment and
    # reach for a class factory to leave the language wall
    provider = admin_post(
        local_stack,
        "/providers",
        {"name": "Escapes", "match_script": "return headers.get('x-escape') == 'yes'"},
    )
    scripts = {"crash": CRASH, "environment": ENVIRONMENT, "enum": ENUM_ESCAPE, "calm": "return 1"}
    for name, script in scripts.items():
        admin_post(
            local_stack,
            "/functions",
            {"provider_id": provider["id"], "name": name, "uri": "escape", "script": script},
        )
    evaluated_first(local_stack, provider["id"])

    # When a message for them is sent synchronously, then a signed GitHub push
    headers = {"x-escape": "yes", "flex-sync-webhook": "true", "content-type": "application/json"}
    escaped = sent_once_configured(local_stack, headers)
    pushed = local_stack.request("POST", "/webhooks/git/push", PUSH, github_headers(PUSH))

    # Then the crash and the refusals failed their executions only; the push succeeded
    assert escaped.status == 500
    executions = {
        e["function"]: e for e in processed(local_stack, escaped.json()["message_id"])["executions"]
    }
    assert executions["crash"]["error"] == (
        "ScriptProcessError: script process killed: signal 11 (SIGSEGV)"
    )
    assert executions["environment"]["error"].startswith("ImportError")
    assert executions["enum"]["error"].startswith(ENUM_ESCAPE_REFUSED)
    assert executions["calm"]["status"] == "SUCCESS"
    assert processed(local_stack, pushed.json()["message_id"])["status"] == "SUCCESS"
