"""Resubmit and dead-letter redrive through the admin API, the queue and processing."""

from __future__ import annotations

import json

import boto3

from ingest.handler import lambda_handler as ingest_handler
from tests.conftest import http_event, new_context
from tests.integration.admin_client import call
from tests.integration.sqs import dead_letter, drain_queue
from webhook_engine import wiring

CONFIG = """
providers:
  - name: Stripe
    match_script: return headers.get("stripe-signature") is not None
    functions:
      - name: invoice
        uri: stripe/events
        script: |
          if payload["type"] == "invoice.payment_failed":
              raise RuntimeError("dunning service is down")
          log.info("handled " + payload["type"])
"""
FIXED = CONFIG.replace('raise RuntimeError("dunning service is down")', 'log.info("dunning")')


def send(kind: str) -> str:
    body = json.dumps({"id": "evt_1", "object": "event", "type": kind}).encode()
    event = http_event("stripe/events", body, headers={"stripe-signature": "t=1,v1=abc"})
    response = ingest_handler(event, new_context())
    return str(json.loads(response["body"])["message_id"])


def test_resubmit_keeps_both_submissions(stack):
    # Given a message that failed
    call("PUT", "/config", CONFIG)
    message_id = send("invoice.payment_failed")
    drain_queue(new_context())

    # When the script is fixed and the message resubmitted
    call("PUT", "/config", FIXED)
    status, answer = call("POST", f"/messages/{message_id}/resubmit")
    drain_queue(new_context())

    # Then a second submission succeeded and the first execution is still on record
    _, message = call("GET", f"/messages/{message_id}")
    assert (status, answer) == (202, {"message_id": message_id, "submission": 2})
    assert message["status"] == "SUCCESS"
    assert [(s["submission"], s["mode"], s["status"]) for s in message["submissions"]] == [
        (1, "async", "FAILED"),
        (2, "resubmit", "SUCCESS"),
    ]
    assert [(e["submission"], e["status"], e["script_version"]) for e in message["executions"]] == [
        (1, "FAILED", 1),
        (2, "SUCCESS", 2),
    ]


def test_resubmit_unknown_message_is_404(stack):
    # When
    status, _ = call("POST", "/messages/NOPE/resubmit")

    # Then
    assert status == 404


def test_bulk_resubmit_by_filter_takes_only_failed(stack):
    # Given two failed and one successful message
    call("PUT", "/config", CONFIG)
    failed = [send("invoice.payment_failed") for _ in range(2)]
    send("invoice.paid")
    drain_queue(new_context())

    # When every FAILED message of the last hour is resubmitted after the fix
    call("PUT", "/config", FIXED)
    status, answer = call(
        "POST", "/messages/resubmit", {"filter": {"status": "FAILED", "since": "1h"}}
    )
    drain_queue(new_context())

    # Then exactly those two were processed again, successfully
    _, page = call("GET", "/messages", query="status=FAILED")
    assert status == 202
    assert (answer["count"], sorted(answer["message_ids"])) == (2, sorted(failed))
    assert page["items"] == []


def test_bulk_resubmit_needs_ids_or_filter(stack):
    # When
    status, body = call("POST", "/messages/resubmit", {})

    # Then
    assert status == 400
    assert "either ids (a list) or filter" in body["error"]["message"]


def test_redrive_moves_dead_letters_back_through_processing(stack):
    # Given a submission that ended in the dead-letter queue (its config was missing)
    message_id = send("invoice.paid")
    dead_letter()
    call("PUT", "/config", CONFIG)
    _, before = call("GET", "/dead-letters")

    # When the dead-letter queue is redriven and the queue drained
    status, result = call("POST", "/dead-letters/redrive")
    drained = drain_queue(new_context())

    # Then SQS's message move task took it back to the queue, and it processed
    _, after = call("GET", "/dead-letters")
    _, message = call("GET", f"/messages/{message_id}")
    settings, sqs = wiring.get_settings(), boto3.client("sqs")
    [task] = sqs.list_message_move_tasks(SourceArn=settings.dead_letter_queue_arn)["Results"]
    assert before == {"approximate_count": 1}
    assert (status, result["method"], result["moved"]) == (202, "StartMessageMoveTask", None)
    assert result["task_handle"]
    assert (task["DestinationArn"], task["ApproximateNumberOfMessagesMoved"]) == (
        settings.queue_arn,
        1,
    )
    assert drained["received"] == 1
    assert after == {"approximate_count": 0}
    assert message["status"] == "SUCCESS"


def test_credentials_are_masked_in_views_and_intact_for_resubmits(stack):
    # Given a provider that checks the signature header and a token parameter exactly
    call(
        "PUT",
        "/config",
        CONFIG.replace(
            'return headers.get("stripe-signature") is not None',
            'return headers.get("stripe-signature") == "t=1,v1=abc" and query["token"] == "tk"',
        ).replace('raise RuntimeError("dunning service is down")', 'log.info("dunning")'),
    )
    body = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid"}).encode()
    event = http_event(
        "stripe/events", body, headers={"stripe-signature": "t=1,v1=abc"}, query="token=tk&a=1"
    )
    message_id = json.loads(ingest_handler(event, new_context())["body"])["message_id"]
    drain_queue(new_context())

    # When it is viewed, then resubmitted
    _, shown = call("GET", f"/messages/{message_id}")
    call("POST", f"/messages/{message_id}/resubmit")
    drain_queue(new_context())
    _, again = call("GET", f"/messages/{message_id}")

    # Then the view masks both credentials, and the resubmission still matched with them
    assert shown["headers"]["stripe-signature"] == "***"
    assert (shown["query"], shown["query_string"]) == ({"token": "***", "a": "1"}, "token=***&a=1")
    assert "tk" not in json.dumps(shown["query"])
    assert "v1=abc" not in json.dumps(shown)
    assert [s["status"] for s in again["submissions"]] == ["SUCCESS", "SUCCESS"]


def test_redrive_refused_by_sqs_is_a_502_in_the_error_shape(stack, monkeypatch):
    # Given a dead-letter queue ARN that names no queue
    monkeypatch.setenv("DEAD_LETTER_QUEUE_ARN", "arn:aws:sqs:us-east-1:123456789012:nowhere")
    wiring.reset()

    # When
    status, body = call("POST", "/dead-letters/redrive")

    # Then
    assert status == 502
    assert body["error"]["code"] == "upstream_error"
    assert "StartMessageMoveTask: ResourceNotFoundException" in body["error"]["message"]


def test_a_resubmission_runs_the_scripts_edited_just_before_it_in_a_warm_container(
    stack, monkeypatch
):
    # Given a warm processing container that may use its configuration for an hour
    monkeypatch.setenv("CONFIG_CACHE_SECONDS", "3600")
    wiring.reset()
    call("PUT", "/config", CONFIG)
    message_id = send("invoice.payment_failed")
    drain_queue(new_context())

    # When the script is fixed, a new webhook arrives, and the failed message is resubmitted
    call("PUT", "/config", FIXED)
    fresh = send("invoice.payment_failed")
    drain_queue(new_context())
    call("POST", f"/messages/{message_id}/resubmit")
    drain_queue(new_context())

    # Then the new webhook ran the cached (old) script, within the cache window, and the
    # resubmission, which carries the revision after the fix, ran the fixed one
    assert call("GET", f"/messages/{fresh}")[1]["status"] == "FAILED"
    _, resubmitted = call("GET", f"/messages/{message_id}")
    assert [s["status"] for s in resubmitted["submissions"]] == ["FAILED", "SUCCESS"]
    assert resubmitted["executions"][-1]["script_version"] == 2
