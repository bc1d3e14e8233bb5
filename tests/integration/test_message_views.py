"""A message can always be viewed: the detail fits a response, the body comes on its own."""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from admin.handler import lambda_handler as admin_handler
from tests.conftest import admin_event, http_event, new_context
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import QUERY, ingest
from webhook_engine import wiring
from webhook_engine.domain.ports import MessageFilter
from webhook_engine.pipeline.ingest import MAX_HEAD_BYTES

CHATTY = """
providers:
  - name: Any
    match_script: return True
    functions:
"""


def raw(path: str) -> dict[str, Any]:
    return admin_handler(admin_event(path), new_context())


def view(message_id: str) -> tuple[dict[str, Any], int]:
    """The detail and the size of the whole Lambda response carrying it."""
    response = raw(f"/messages/{message_id}")
    return json.loads(response["body"]), len(json.dumps(response))


def body_of(response: dict[str, Any]) -> bytes:
    text = response["body"]
    return base64.b64decode(text) if response.get("isBase64Encoded") else text.encode()


def test_a_body_that_grows_when_escaped_is_left_to_its_own_route(configure, lambda_context):
    # Given a body of control characters: 200 KB that JSON escapes to 1.2 MB
    configure(QUERY)
    body = b"\x01" * 200_000
    _, sent = ingest(
        http_event("any", body, headers={"content-type": "text/plain"}), lambda_context
    )

    # When the message, then its body, are fetched
    detail, size = view(sent["message_id"])
    response = raw(f"/messages/{sent['message_id']}/body")

    # Then the detail points to the body, and the body route gives it byte for byte
    assert (detail["body"], detail["body_omitted"], detail["body_size"]) == ("", True, 200_000)
    assert detail["body_url"] == f"/admin/v1/messages/{sent['message_id']}/body"
    assert size < 1_000_000
    assert response["statusCode"] == 200
    assert body_of(response) == body
    assert response["headers"]["content-disposition"].startswith("attachment")


def test_a_body_in_the_payload_bucket_is_a_short_lived_link(configure, lambda_context):
    # Given a body over the inline limit (stored in S3)
    configure(QUERY)
    body = json.dumps({"blob": "x" * (wiring.get_settings().inline_body_limit + 1)}).encode()
    _, sent = ingest(http_event("big", body), lambda_context)

    # When the message, then its body, are fetched
    detail, size = view(sent["message_id"])
    response = raw(f"/messages/{sent['message_id']}/body")

    # Then the detail does not carry it, and the body route redirects to a presigned link
    assert (detail["body_omitted"], detail["body_size"]) == (True, len(body))
    assert size < 100_000
    assert response["statusCode"] == 307
    assert "Signature" in response["headers"]["location"]
    assert requests.get(response["headers"]["location"], timeout=5).content == body


def test_a_long_history_drops_the_oldest_executions_from_the_view(configure, lambda_context):
    # Given forty functions on one URI, each logging 60 KB (2.4 MB in all)
    configure(
        CHATTY
        + "".join(
            f"      - {{name: f{n:02d}, uri: loud, script: \"log.info('z' * 3000)\\n"
            + "for i in range(19):\\n    log.info('z' * 3000)\"}\n"
            for n in range(40)
        )
    )
    _, sent = ingest(http_event("loud", b"{}"), lambda_context)
    drain_queue(new_context())

    # When the message is viewed
    detail, size = view(sent["message_id"])

    # Then the view fits a Lambda response, saying how many executions it left out
    assert size < 6_000_000
    assert detail["executions_omitted"] > 0
    assert len(detail["executions"]) + detail["executions_omitted"] == 40


def test_headers_past_the_bound_are_refused_and_nothing_is_stored(stack, lambda_context):
    # Given headers that together exceed the bound (each under API Gateway's own limits)
    headers = {f"x-filler-{n}": "v" * 1000 for n in range(MAX_HEAD_BYTES // 1000 + 1)}

    # When
    status, body = ingest(http_event("any", b"{}", headers=headers), lambda_context)

    # Then it is a 431 naming the limit, and no message was stored
    assert status == 431
    assert body["error"]["code"] == "headers_too_large"
    assert wiring.message_store().list_messages(MessageFilter(), 10, None).items == []
