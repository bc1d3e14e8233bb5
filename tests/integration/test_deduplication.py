"""De-duplication on a delivery id, per provider: a repeat is stored, marked, not processed."""

from __future__ import annotations

import json

import pytest

from tests.conftest import http_event, new_context
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import GITHUB, PUSH, ingest, signed, stored
from webhook_engine import wiring
from webhook_engine.domain.models import Status

DEDUPLICATED = GITHUB.replace(
    "    match_script: |",
    "    deduplicate: {header: X-GitHub-Delivery, window_hours: 1}\n    match_script: |",
    1,
)


def deliver(delivery: str, sync: bool = False) -> tuple[int, dict]:
    headers = signed(PUSH) | {"X-GitHub-Delivery": delivery}
    if sync:
        headers["flex-sync-webhook"] = "true"
    event = http_event("git/push", PUSH, headers=headers, query="projectId=1")
    return ingest(event, new_context())


def test_a_repeated_delivery_is_stored_marked_and_not_processed(configure):
    # Given a push processed once
    configure(DEDUPLICATED)
    _, first = deliver("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    drain_queue(new_context())

    # When GitHub delivers it again (a retry or a redelivery)
    _, again = deliver("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    drain_queue(new_context())

    # Then the repeat is kept, marked as a duplicate of the first, and ran nothing
    repeat = stored(again["message_id"])
    assert repeat.message.status is Status.DUPLICATE
    assert repeat.message.duplicate_of == first["message_id"]
    assert repeat.executions == []
    assert len(stored(first["message_id"]).executions) == 2


def test_a_synchronous_repeat_gets_the_success_it_missed(configure):
    # Given a push processed once
    configure(DEDUPLICATED)
    deliver("d-1", sync=True)

    # When it is sent again, synchronously
    status, answer = deliver("d-1", sync=True)

    # Then it is answered 200, as DUPLICATE
    assert (status, answer["status"]) == (200, "DUPLICATE")


def test_different_deliveries_and_resubmissions_run(configure):
    # Given two different deliveries, the second a duplicate of nothing
    configure(DEDUPLICATED)
    _, first = deliver("d-1")
    _, second = deliver("d-2")
    drain_queue(new_context())

    # When an operator resubmits the first
    call("POST", f"/messages/{first['message_id']}/resubmit")
    drain_queue(new_context())

    # Then everything ran: the deliberate resubmission is never a duplicate
    assert stored(second["message_id"]).message.status is Status.SUCCESS
    assert [s.status for s in stored(first["message_id"]).submissions] == [Status.SUCCESS] * 2


def test_a_provider_without_the_rule_processes_repeats(configure):
    # Given GitHub without de-duplication
    configure(GITHUB)

    # When the same delivery comes twice
    deliver("d-1")
    _, again = deliver("d-1")
    drain_queue(new_context())

    # Then both ran
    assert stored(again["message_id"]).message.status is Status.SUCCESS


def test_a_delivery_seen_outside_the_window_runs_again(configure):
    # Given a delivery id recorded by a message whose window has passed
    configure(DEDUPLICATED)
    provider = wiring.config_store().list_providers()[0]
    wiring.message_store().first_delivery(provider.id, "d-1", "01OLDMESSAGE", window_hours=-1)

    # When the same id arrives now
    _, answer = deliver("d-1")
    drain_queue(new_context())

    # Then it runs
    assert stored(answer["message_id"]).message.status is Status.SUCCESS


@pytest.mark.parametrize(
    "rule",
    [
        "{header: a, json_path: b}",
        "{}",
        "{header: X, window_hours: 0}",
        "{headers: X}",
        "{header: []}",
        "{header: [webhook-id, 7]}",
        "{header: [a, b, c, d, e, f]}",
        "{header: [webhook-id, Webhook-Id]}",
        "{header: [webhook-id, '']}",
    ],
)
def test_an_invalid_rule_is_refused_naming_it(stack, rule):
    # When
    status, body = call(
        "PUT",
        "/config",
        GITHUB.replace("    match_script: |", f"    deduplicate: {rule}\n    match_script: |", 1),
    )

    # Then
    assert status == 400
    assert "deduplicate" in body["error"]["message"]


def test_the_rule_round_trips_through_export(stack):
    # Given
    call("PUT", "/config", DEDUPLICATED)

    # When
    _, exported = call("GET", "/config")

    # Then
    assert exported["providers"][0]["deduplicate"] == {
        "header": "X-GitHub-Delivery",
        "window_hours": 1,
    }
    assert json.dumps(exported).count("deduplicate") == 1


def test_a_list_of_headers_round_trips_through_export_in_its_order(stack):
    # Given
    call("PUT", "/config", DEDUPLICATED.replace("X-GitHub-Delivery", "[webhook-id, svix-id]"))

    # When
    _, exported = call("GET", "/config")

    # Then
    assert exported["providers"][0]["deduplicate"]["header"] == ["webhook-id", "svix-id"]
