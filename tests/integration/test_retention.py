"""Retention: a message past it is gone for readers, whatever DynamoDB's TTL has deleted yet; a
message whose body is gone ends saying so; the bucket's rules clean up after versioning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from tests.conftest import new_context
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from tests.integration.test_faults import queued
from tests.unit.builders import message
from webhook_engine import wiring
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Mode, Status
from webhooks_testbed.template import load_template


def stored_at(moment: datetime, body: bytes = b"{}") -> str:
    stored = message(new_id(int(moment.timestamp() * 1000)), body=body)
    wiring.message_store().put_message(
        stored.model_copy(update={"received_at": moment}), Mode.ASYNC
    )
    return stored.id


def test_a_message_past_its_retention_is_gone_though_its_item_is_not(stack):
    # Given a message received 31 days ago (30 days' retention), its item not deleted yet
    message_id = stored_at(datetime.now(UTC) - timedelta(days=31))

    # When an operator looks at it and resubmits it
    shown = call("GET", f"/messages/{message_id}")
    resubmitted = call("POST", f"/messages/{message_id}/resubmit")
    bulk = call("POST", "/messages/resubmit", {"ids": [message_id]})

    # Then it is not found: its body may be gone already, nothing is run from half a message
    assert (shown[0], resubmitted[0], bulk[0]) == (404, 404, 404)


def test_a_message_whose_body_is_gone_ends_failed_on_its_first_delivery(configure):
    # Given a stored message whose body in the payload bucket is gone, queued
    configure("providers: []")
    message_id = stored_at(datetime.now(UTC), body=b"x" * 300_000)
    bucket = wiring.get_settings().payload_bucket
    boto3.client("s3").delete_object(Bucket=bucket, Key=f"payloads/{message_id}")
    queued(message_id)

    # When it is delivered
    drained = drain_queue(new_context())

    # Then it is final, FAILED, saying why; no retry towards DEAD
    shown = call("GET", f"/messages/{message_id}")[1]
    assert drained["failed"] == set()
    assert shown["status"] == Status.FAILED
    assert "body is no longer stored" in shown["reason"]


def test_bodies_outlive_their_items_and_old_versions_and_markers_are_cleaned_up():
    # Given the payload bucket's lifecycle rules
    rules = load_template()["Resources"]["PayloadBucket"]["Properties"]["LifecycleConfiguration"]
    by_id = {rule["Id"]: rule for rule in rules["Rules"]}

    # Then current bodies expire with the retention (S3 counts from the object's creation and
    # rounds up to midnight: never before the item's expires_at), a replaced or deleted body's
    # old version goes a day later, and the delete markers left behind are removed
    assert by_id["ExpirePayloads"]["ExpirationInDays"] == {"Ref": "MessageRetentionDays"}
    assert by_id["ExpirePayloads"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert by_id["RemoveExpiredDeleteMarkers"]["ExpiredObjectDeleteMarker"] is True
    assert by_id["RemoveExpiredDeleteMarkers"]["Prefix"] == "payloads/"
