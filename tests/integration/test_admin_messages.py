"""The read side of the admin API through the real handler, on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from admin.handler import lambda_handler as admin_handler
from ingest.handler import lambda_handler as ingest_handler
from tests.conftest import REPO, admin_event, http_event, new_context
from webhook_engine import wiring
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Message, Mode

CONFIG = """
providers:
  - name: Jira
    match_script: return headers.get("user-agent", "").startswith("Atlassian")
    functions:
      - name: issue updated
        uri: jira/issue
        script: |
          log.set_message("issue " + payload["issue"]["key"])
          if payload["issue"]["key"] == "OPS-2":
              raise ValueError("cannot handle OPS-2")
"""


def admin(path: str, query: str = "", **kwargs: Any) -> tuple[int, Any]:
    response = admin_handler(admin_event(path, query=query, **kwargs), new_context())
    return response["statusCode"], json.loads(response["body"])


def send(key: str, context: Any, **headers: str) -> str:
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": key}}).encode()
    event = http_event(
        "jira/issue",
        body,
        headers={"user-agent": "Atlassian Webhook HTTP Client", "flex-sync-webhook": "true"}
        | headers,
    )
    response = ingest_handler(event, context)
    return str(json.loads(response["body"])["message_id"])


@pytest.fixture
def three_messages(configure, lambda_context) -> list[str]:
    configure(CONFIG)
    return [send(key, lambda_context) for key in ("OPS-1", "OPS-2", "OPS-3")]


def test_health_says_which_protections_script_processes_take(stack):
    # When
    status, body = admin("/health")

    # Then every protection held on this machine, and the required ones are listed
    assert (status, body["status"]) == (200, "ok")
    assert body["sandbox"]["protections"] == dict.fromkeys(
        ["parent_death_signal", "rlimits", "no_new_privs", "seccomp", "audit_hook"], True
    )
    assert body["sandbox"]["required"] == ["audit_hook", "rlimits"]
    assert body["sandbox"]["missing"] == []


def test_list_is_newest_first_with_cursor_paging(three_messages):
    # Given three messages
    # When they are listed two at a time
    status, first = admin("/messages", "limit=2")
    _, second = admin("/messages", f"limit=2&cursor={first['next_cursor']}")

    # Then pages are newest first, disjoint, and the last has no cursor
    ids = [m["id"] for m in first["items"]] + [m["id"] for m in second["items"]]
    assert status == 200
    assert ids == list(reversed(three_messages))
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=FAILED", [1]),
        ("status=SUCCESS", [2, 0]),
        ("provider=Jira", [2, 1, 0]),
        ("provider=GitHub", []),
        ("function=issue%20updated&status=SUCCESS", [2, 0]),
        ("uri=jira/issue&since=1h", [2, 1, 0]),
        ("until=2000-01-01T00:00:00Z", []),
    ],
)
def test_list_filters(three_messages, query, expected):
    # When
    status, page = admin("/messages", query)

    # Then
    assert status == 200
    assert [m["id"] for m in page["items"]] == [three_messages[i] for i in expected]


def test_detail_has_executions_logs_and_redacted_headers(three_messages, lambda_context):
    # Given a failed message sent with a credential header
    message_id = send("OPS-2", lambda_context, authorization="Basic c2VjcmV0")

    # When
    status, message = admin(f"/messages/{message_id}")

    # Then
    (execution,) = message["executions"]
    assert status == 200
    assert message["status"] == "FAILED"
    assert message["provider"] == "Jira"
    assert message["message"] == "issue OPS-2"
    assert json.loads(message["body"])["issue"]["key"] == "OPS-2"
    assert message["headers"]["authorization"] == "***"
    assert message["submissions"][0]["mode"] == "sync"
    assert execution["function"] == "issue updated"
    assert execution["status"] == "FAILED"
    assert "cannot handle OPS-2" in execution["error"]
    assert set(execution) >= {"submission", "started_at", "duration_ms", "logs", "error"}


def test_unknown_message_is_404(stack):
    # When
    status, body = admin("/messages/01ABSENT")

    # Then
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_invalid_filter_is_400_naming_the_field(stack):
    # When
    status, body = admin("/messages", "limit=0&status=LOST")

    # Then
    assert status == 400
    assert "limit" in body["error"]["message"]
    assert "status" in body["error"]["message"]


def test_a_cursor_not_of_the_documented_form_is_400(stack):
    # When (base64url has no "!", and no length of 4n + 1)
    answers = [admin("/messages", f"cursor={cursor}") for cursor in ("not!a!cursor", "abcde")]

    # Then
    assert [status for status, _ in answers] == [400, 400]
    assert all("cursor" in body["error"]["message"] for _, body in answers)


def test_iam_caller_is_accepted(stack):
    # Given an event that the IAM authorizer let through
    event = admin_event("/health")

    # When
    response = admin_handler(event, new_context())

    # Then
    assert response["statusCode"] == 200


def test_a_bearer_token_is_no_credential_for_the_function(stack):
    # Given an event with a bearer token but no IAM identity (the gateway refused the token)
    event = admin_event("/health", authorized=False)
    event["headers"]["authorization"] = "Bearer s3cret-token"

    # When
    response = admin_handler(event, new_context())

    # Then
    assert response["statusCode"] == 401


ROUTES = [
    (method.upper(), path.replace("{", "").replace("}", ""))
    for path, operations in json.loads((REPO / "docs/openapi.json").read_text())["paths"].items()
    for method in operations
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_an_unauthenticated_call(stack, method, path):
    # When the route is called without the IAM authorizer's caller identity
    status, body = admin(path, method=method, authorized=False)

    # Then
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


def test_paging_walks_back_across_days_and_shards(stack):
    # Given five messages received over the last three days (spread over the index's shards)
    now = datetime.now(UTC)
    moments = [now - timedelta(days=2, hours=1), now - timedelta(days=1), now - timedelta(hours=1)]
    moments += [now - timedelta(minutes=5), now - timedelta(minutes=1)]
    store = wiring.message_store()
    ids = []
    for moment in moments:
        message = Message(id=new_id(int(moment.timestamp() * 1000)), **request_at(moment))
        store.put_message(message, Mode.ASYNC)
        ids.append(message.id)

    # When they are read two at a time
    seen, cursor = [], None
    for _ in range(5):
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        _, page = admin("/messages", query)
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Then every message came once, newest first
    assert seen == list(reversed(ids))


def request_at(moment: datetime) -> dict[str, Any]:
    return {"request_id": "r", "method": "POST", "uri": "x", "received_at": moment}
