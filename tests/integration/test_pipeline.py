"""The pipeline through the real handlers, on moto: ingest -> queue -> process -> store."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import boto3
import pytest

from ingest.handler import lambda_handler as ingest_handler
from tests.conftest import EVENTS, http_event
from tests.integration.sqs import drain_queue
from webhook_engine import wiring
from webhook_engine.domain.models import Status

PUSH = (EVENTS / "github_push.json").read_bytes()
SECRET = "It's a Secret to Everybody"

GITHUB = f"""
providers:
  - name: GitHub
    properties:
      SECRET: {{value: "{SECRET}", secret: true}}
    match_script: |
      import hmac, hashlib
      digest = hmac.new(props["SECRET"].encode(), raw_body, hashlib.sha256).hexdigest()
      return hmac.compare_digest(headers.get("X-Hub-Signature-256", ""), "sha256=" + digest)
    functions:
      - name: log push
        uri: git/push
        script: |
          log.info("push to " + payload["repository"]["full_name"])
          log.set_message(payload["ref"])
      - name: project
        uri: git/push
        script: |
          log.info("project " + query["projectId"] + " via " + uri)
      - name: broken
        uri: git/fail
        script: |
          x = 1
          return payload["missing"]
"""


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "X-GitHub-Event": "push"}


def ingest(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    response = ingest_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def stored(message_id: str) -> Any:
    return wiring.message_store().get_detail(message_id)


def test_async_push_is_accepted_then_processed(configure, lambda_context):
    # Given the GitHub provider and a signed push
    configure(GITHUB)
    event = http_event("git/push", PUSH, headers=signed(PUSH), query="projectId=123")

    # When it is ingested, then the queue is drained
    status, body = ingest(event, lambda_context)
    assert status == 202
    assert stored(body["message_id"]).message.status is Status.RECEIVED
    drained = drain_queue(lambda_context)

    # Then both functions of git/push ran and the message is SUCCESS
    detail = stored(body["message_id"])
    assert drained == {"received": 1, "failed": set()}
    assert detail.message.status is Status.SUCCESS
    assert detail.message.provider == "GitHub"
    assert detail.message.summary == "refs/heads/main"
    assert detail.message.query_string == "projectId=123"
    assert [(e.provider, e.matched) for e in detail.submissions[0].evaluations] == [
        ("GitHub", True)
    ]
    assert sorted(e.function for e in detail.executions) == ["log push", "project"]
    logs = [entry.message for e in detail.executions for entry in e.logs]
    assert "push to acme/payments" in logs
    assert "project 123 via git/push" in logs


def test_sync_success_is_200(configure, lambda_context):
    # Given
    configure(GITHUB)
    headers = signed(PUSH) | {"flex-sync-webhook": "true"}
    event = http_event("git/push", PUSH, headers=headers, query="projectId=7")

    # When
    status, body = ingest(event, lambda_context)

    # Then
    assert (status, body["status"]) == (200, "SUCCESS")
    assert stored(body["message_id"]).message.status is Status.SUCCESS


@pytest.mark.parametrize(
    ("uri", "secret", "code", "provider"),
    [
        ("git/push", "wrong secret", 404, None),  # no provider matched
        ("git/unknown", SECRET, 404, "GitHub"),  # provider matched, no function for the URI
        ("git/fail", SECRET, 500, "GitHub"),  # a function raised
    ],
)
def test_sync_outcomes_are_stored(configure, lambda_context, uri, secret, code, provider):
    # Given
    configure(GITHUB)
    headers = signed(PUSH, secret) | {"flex-sync-webhook": "true"}

    # When
    status, body = ingest(http_event(uri, PUSH, headers=headers), lambda_context)

    # Then the answer and the stored message agree
    message = stored(body["message_id"]).message
    assert status == code
    assert body["status"] == message.status.value
    assert message.provider == provider
    expected = {404: Status.UNMATCHED, 500: Status.FAILED}[code]
    assert message.status is expected


def test_failed_function_names_its_line(configure, lambda_context):
    # Given
    configure(GITHUB)
    headers = signed(PUSH) | {"flex-sync-webhook": "true"}

    # When
    _, body = ingest(http_event("git/fail", PUSH, headers=headers), lambda_context)

    # Then
    (execution,) = stored(body["message_id"]).executions
    assert execution.status == "FAILED"
    assert execution.error_line == 2
    assert "KeyError" in (execution.error or "")


QUERY = """
providers:
  - name: Q
    match_script: return uri == "builds/start"
    functions:
      - name: q
        uri: builds/start
        script: |
          log.info(query["projectId"] + "|" + ",".join(query_all["tag"]) + "|" + method)
"""


def test_query_string_is_ignored_for_matching_but_visible(configure, lambda_context):
    # Given
    configure(QUERY)
    event = http_event(
        "builds/start",
        b"",
        method="PUT",
        headers={"flex-sync-webhook": "true"},
        query="projectId=123&tag=a&tag=b",
    )

    # When
    status, body = ingest(event, lambda_context)

    # Then
    (execution,) = stored(body["message_id"]).executions
    assert status == 200
    assert execution.logs[0].message == "123|a,b|PUT"


HMAC_ANY = """
providers:
  - name: Signed
    properties:
      KEY: {value: k3y, secret: true}
    match_script: |
      import hmac, hashlib
      expected = hmac.new(props["KEY"].encode(), raw_body, hashlib.sha256).hexdigest()
      return hmac.compare_digest(headers.get("x-signature", ""), expected)
    functions:
      - name: describe
        uri: in
        script: |
          log.info(("none" if payload is None else "parsed") + ":" + str(len(raw_body)))
"""


@pytest.mark.parametrize(
    ("content_type", "body", "binary"),
    [
        ("application/json", PUSH, False),
        ("application/x-www-form-urlencoded", (EVENTS / "slack_command.txt").read_bytes(), True),
        ("image/png", bytes(range(256)) * 4, True),
        ("text/plain; charset=latin-1", "café crème ½".encode("latin-1"), True),
    ],
)
def test_hmac_over_exact_raw_body(configure, lambda_context, content_type, body, binary):
    # Given a provider that verifies an HMAC of the raw body
    configure(HMAC_ANY)
    signature = hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    headers = {"content-type": content_type, "x-signature": signature, "flex-sync-webhook": "true"}

    # When
    status, result = ingest(http_event("in", body, headers=headers, binary=binary), lambda_context)

    # Then the signature verified and the stored body is byte-identical
    detail = stored(result["message_id"])
    assert status == 200
    assert detail.message.body == body
    assert detail.executions[0].logs[0].message.endswith(f":{len(body)}")


def test_body_over_inline_limit_round_trips_through_s3(configure, lambda_context, stack):
    # Given a body larger than the inline limit
    configure(QUERY)
    limit = wiring.get_settings().inline_body_limit
    body = json.dumps({"blob": "x" * (limit + 10_000)}).encode()

    # When
    status, result = ingest(http_event("big", body), lambda_context)

    # Then it went to the payload bucket and reads back whole
    objects = boto3.client("s3").list_objects_v2(Bucket=stack.refs["PayloadBucket"])
    assert status == 202
    assert [o["Key"] for o in objects["Contents"]] == [f"payloads/{result['message_id']}"]
    assert wiring.message_store().get_message(result["message_id"]).body == body


def test_body_over_the_maximum_is_413(stack, lambda_context, monkeypatch):
    # Given a 2 KB maximum
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    wiring.reset()

    # When
    status, body = ingest(http_event("big", b"x" * 4096), lambda_context)

    # Then
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"


def test_bad_event_is_a_json_400(stack, lambda_context):
    # Given an event that is not an HTTP API event
    # When
    status, body = ingest({"hello": "world"}, lambda_context)

    # Then
    assert status == 400
    assert body["error"]["code"] == "invalid_request"


def test_duplicate_delivery_runs_functions_once(configure, lambda_context):
    # Given a processed async message
    configure(GITHUB)
    _, body = ingest(http_event("git/push", PUSH, headers=signed(PUSH)), lambda_context)
    record_body = boto3.client("sqs").receive_message(
        QueueUrl=wiring.get_settings().queue_url, VisibilityTimeout=0
    )["Messages"][0]["Body"]
    drain_queue(lambda_context)

    # When SQS delivers the same submission again
    boto3.client("sqs").send_message(
        QueueUrl=wiring.get_settings().queue_url, MessageBody=record_body
    )
    drained = drain_queue(lambda_context)

    # Then it is acknowledged without running the functions a second time
    assert drained == {"received": 1, "failed": set()}
    assert len(stored(body["message_id"]).executions) == 2


def test_unknown_message_is_a_batch_item_failure(stack, lambda_context):
    # Given a queue record for a message that does not exist
    boto3.client("sqs").send_message(
        QueueUrl=wiring.get_settings().queue_url,
        MessageBody=json.dumps({"message_id": "nope", "submission": 1}),
    )

    # When
    drained = drain_queue(lambda_context)

    # Then only that record is reported failed (SQS retries it, then dead-letters it)
    assert drained["received"] == 1
    assert len(drained["failed"]) == 1


@pytest.mark.parametrize(
    ("path", "expected"),
    [("git/push/", "git/push"), ("/git//push", "git/push"), ("Git/Push", "Git/Push")],
)
def test_ingest_normalises_the_uri_as_configuration_does(configure, lambda_context, path, expected):
    # Given the GitHub provider with functions on git/push
    configure(GITHUB)
    headers = signed(PUSH) | {"flex-sync-webhook": "true"}
    event = http_event(path, PUSH, headers=headers, query="projectId=1")

    # When the URI arrives with extra slashes (or another case)
    status, answer = ingest(event, lambda_context)

    # Then slashes do not matter and case does
    assert stored(answer["message_id"]).message.uri == expected
    assert status == (200 if expected == "git/push" else 404)


LEAKY = f"""
providers:
  - name: Raising
    properties:
      TOKEN: {{value: "{SECRET}", secret: true}}
    match_script: |
      raise ValueError("bad token " + props["TOKEN"])
  - name: Leaky
    properties:
      SECRET: {{value: "{SECRET}", secret: true}}
      PLAIN: not secret
    match_script: |
      log.info("checking with " + props["SECRET"])
      return True
    functions:
      - name: logs it
        uri: leak
        script: |
          log.warning(props["SECRET"] + " / " + props["PLAIN"])
          print("printed", repr(dict(props)))
          log.set_message("summary " + props["SECRET"])
      - name: raises it
        uri: leak
        script: |
          raise ValueError(props["SECRET"])
  - name: Other
    match_script: return False
"""


def test_secret_values_never_reach_stored_records_or_logs(configure, lambda_context, caplog):
    # Given scripts that log, print, summarise and raise their provider's secret
    configure(LEAKY)
    event = http_event("leak", b"{}", headers={"flex-sync-webhook": "true"})

    # When the message is processed
    _, body = ingest(event, lambda_context)

    # Then the stored message, evaluations and executions carry *** instead, and the function's
    # own log lines do not carry it either
    detail = stored(body["message_id"])
    text = detail.model_dump_json()
    assert SECRET not in text
    assert SECRET.replace("'", "\\\\'") not in text
    messages = {e.function: [line.message for line in e.logs] for e in detail.executions}
    assert messages["logs it"][0] == "*** / not secret"
    assert detail.message.summary == "summary ***"
    errors = {e.function: e.error for e in detail.executions}
    assert errors["raises it"] == "ValueError: *** (line 1)"
    raising, leaky = detail.submissions[0].evaluations
    assert raising.error == "ValueError: bad token *** (line 1)"
    assert leaky.logs[0].message == "checking with ***"
    logged = [str(record.__dict__) for record in caplog.records]
    assert any("bad token ***" in line for line in logged)
    assert not any(SECRET in line for line in logged)
