"""The local stack over HTTP: webhooks in, messages processed, admin API behind its token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import TOKEN

pytestmark = pytest.mark.e2e

REPO = Path(__file__).parents[2]
PUSH_EVENT = REPO / "events" / "webhook_github_push.json"
PUSH = json.loads(PUSH_EVENT.read_text())["body"].encode()
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
FUNCTIONS = {"GitHub - git/push - log", "GitHub - git/push - build"}


def github_headers(body: bytes, secret: str = "change-me") -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/e2e",
        "x-github-event": "push",
        "x-github-delivery": "7b3f6a80-ff7b-11ef-8d4e-2c1a3b5e9f10",
        "x-hub-signature-256": f"sha256={signature}",
    }


def processed(client, message_id: str, timeout: float = 20.0) -> dict[str, Any]:
    """The message once its processing ended."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.admin("GET", f"/messages/{message_id}")
        message: dict[str, Any] = answer.json()
        if answer.status == 200 and message["status"] not in ("RECEIVED", "PROCESSING"):
            return message
        if time.monotonic() > deadline:
            pytest.fail(f"message {message_id} still {message.get('status')} after {timeout}s")
        time.sleep(0.2)


def test_signed_push_is_accepted_then_processed(local_stack):
    # When
    answer = local_stack.request(
        "POST", "/webhooks/git/push?projectId=123", PUSH, github_headers(PUSH)
    )

    # Then
    assert answer.status == 202
    message = processed(local_stack, answer.json()["message_id"])
    assert (message["status"], message["provider"], message["uri"]) == (
        "SUCCESS",
        "GitHub",
        "git/push",
    )
    assert message["query"] == {"projectId": "123"}
    assert message["body"] == PUSH.decode()
    executions = message["executions"]
    assert {execution["function"] for execution in executions} == FUNCTIONS
    assert {execution["status"] for execution in executions} == {"SUCCESS"}
    assert all(execution["logs"] for execution in executions)
    assert message["message"] == "acme/payments@main: 1 commit(s)"


def test_synchronous_push_answers_after_processing(local_stack):
    # Given
    headers = github_headers(PUSH) | {"flex-sync-webhook": "true"}

    # When
    answer = local_stack.request("POST", "/webhooks/git/push", PUSH, headers)

    # Then
    assert answer.status == 200
    assert answer.json()["status"] == "SUCCESS"
    assert processed(local_stack, answer.json()["message_id"])["status"] == "SUCCESS"


def test_bad_signature_matches_no_provider(local_stack):
    # Given
    headers = github_headers(PUSH, secret="wrong") | {"flex-sync-webhook": "true"}

    # When
    answer = local_stack.request("POST", "/webhooks/git/push", PUSH, headers)

    # Then
    assert answer.status == 404
    assert answer.json()["status"] == "UNMATCHED"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "e2e-token"])
def test_admin_api_requires_the_token(local_stack, authorization):
    # Given
    headers = {"Authorization": authorization} if authorization else {}

    # When
    answer = local_stack.request("GET", "/admin/v1/health", headers=headers)

    # Then
    assert answer.status == 401


def test_admin_health_answers_with_the_token(local_stack):
    # When
    answer = local_stack.admin("GET", "/health")

    # Then it is healthy, and its script processes took every protection on this machine
    body = answer.json()
    assert (answer.status, body["status"], body["sandbox"]["missing"]) == (200, "ok", [])
    assert all(body["sandbox"]["protections"].values())


@pytest.mark.parametrize(
    ("content_type", "size", "status", "answer"),
    [
        ("text/plain", 4_500_000, 202, None),
        ("text/plain", 4_500_001, 413, "ingest"),  # MAX_BODY_BYTES
        ("text/plain", 7_000_000, 500, {"message": "Internal Server Error"}),
        ("application/octet-stream", 4_800_000, 500, {"message": "Internal Server Error"}),
    ],
    ids=["stored", "over ingest's limit", "over Lambda's 6 MB", "binary, base64"],
)
def test_each_body_size_gets_the_answer_the_readme_gives(
    local_stack, content_type: str, size: int, status: int, answer: object
):
    # Given a body of that size (API Gateway passes a binary one base64-encoded, a third larger)
    body = b"x" * size

    # When
    response = local_stack.request(
        "POST", "/webhooks/big/body", body, headers={"content-type": content_type}
    )

    # Then (docs/operations.md, "Limits"): stored; refused by ingest; past what a Lambda invocation
    # carries, API Gateway's own 500 without the function running (past 10 MB, its 413 comes
    # before the body is read: tests/integration/local/test_gateway.py)
    assert response.status == status
    if answer == "ingest":
        assert response.json()["error"]["message"].startswith("body of 4500001 bytes is over")
    elif answer is not None:
        assert response.json() == answer
    else:
        assert set(response.json()) == {"message_id"}


def test_a_body_stored_in_the_bucket_is_read_back_through_a_presigned_link(local_stack):
    # Given a body over the inline limit even compressed, stored in the payload bucket
    body = base64.b64encode(os.urandom(400_000))
    sent = local_stack.request(
        "POST", "/webhooks/big/link", body, headers={"content-type": "text/plain"}
    )
    message_id = sent.json()["message_id"]

    # When the admin API is asked for it, and its link followed without credentials
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(local_stack.base_url).netloc)
    connection.request("GET", f"/admin/v1/messages/{message_id}/body", headers=ADMIN)
    answer = connection.getresponse()
    answer.read()
    with urllib.request.urlopen(answer.getheader("location"), timeout=30) as link:
        fetched = link.read()

    # Then the link, signed with the admin function's role and served by moto, gives the bytes
    assert answer.status == 307
    assert fetched == body


def test_unknown_path_is_not_found(local_stack):
    # When
    answer = local_stack.request("GET", "/elsewhere")

    # Then
    assert (answer.status, answer.json()) == (404, {"message": "Not Found"})


def invoke(function_id: str, event_file: str, state_path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "webhooks_local", "invoke", function_id, event_file],
        cwd=REPO,
        env=os.environ | {"WEBHOOKS_LOCAL_STATE": state_path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_invoke_joins_the_running_stack(local_stack):
    # When
    run = invoke("IngestFunction", str(PUSH_EVENT), str(local_stack.state_path))

    # Then
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["statusCode"] == 202
    message_id = json.loads(result["body"])["message_id"]
    assert processed(local_stack, message_id)["status"] == "SUCCESS"


def test_invoke_without_a_running_stack_uses_a_throwaway_one(tmp_path):
    # When
    run = invoke("IngestFunction", "events/webhook_github_push_sync.json", str(tmp_path / "none"))

    # Then
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["status"] == "SUCCESS"
