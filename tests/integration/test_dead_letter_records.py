"""Dead letters one by one through the admin API, on moto: list, show, redrive, discard."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from tests.conftest import new_context
from tests.integration.admin_client import call
from tests.integration.sqs import dead_letter, drain_queue
from tests.integration.test_admin_operations import CONFIG, send
from webhook_engine import wiring
from webhook_engine.adapters import clients
from webhook_engine.adapters.sqs import SqsDeadLetters
from webhook_engine.domain.errors import NotFoundError

THROTTLED = "ThrottlingException: Rate exceeded"


def dead_letter_queue() -> str:
    return wiring.get_settings().dead_letter_queue_url


def send_to_dead_letters(body: str) -> str:
    """A record put straight into the dead-letter queue; its id."""
    sent = boto3.client("sqs").send_message(QueueUrl=dead_letter_queue(), MessageBody=body)
    return str(sent["MessageId"])


@pytest.fixture
def dynamodb_calls(stack) -> Iterator[list[str]]:
    """The names of the DynamoDB operations the admin handler calls, in order."""
    calls: list[str] = []
    table = wiring.get_settings().messages_table
    emitters = [
        clients.client("dynamodb").meta.events,
        clients.dynamodb_table(table).meta.client.meta.events,
    ]

    def record(model, **_):
        calls.append(model.name)

    for events in emitters:
        events.register("before-call.dynamodb.*", record)
    yield calls
    for events in emitters:
        events.unregister("before-call.dynamodb.*", record)


def test_list_shows_each_record_with_its_stored_message_in_one_read(stack, dynamodb_calls):
    # Given a dead submission, a record naming no stored message and one that names nothing
    call("PUT", "/config", CONFIG)
    message_id = send("invoice.paid")
    dead = dead_letter(THROTTLED)
    unknown = send_to_dead_letters(json.dumps({"message_id": "01GONE", "submission": 3}))
    junk = send_to_dead_letters("not json")
    dynamodb_calls.clear()

    # When
    status, page = call("GET", "/dead-letters/messages")

    # Then every record is listed once, the stored message summarised from one batch read
    items = {item["record_id"]: item for item in page["items"]}
    assert status == 200
    assert set(items) == {dead, unknown, junk}
    assert page["approximate_count"] == 3
    assert dynamodb_calls == ["BatchGetItem"]
    assert items[dead]["message_id"] == message_id
    assert items[dead]["submission"] == 1
    assert items[dead]["receive_count"] == 1
    assert items[dead]["sent_at"]
    summary = items[dead]["message"]
    assert (summary["status"], summary["uri"], summary["reason"]) == (
        "DEAD",
        "stripe/events",
        THROTTLED,
    )
    assert (summary["provider"], summary["submission_count"]) == (None, 1)
    assert summary["received_at"]
    assert (items[unknown]["message_id"], items[unknown]["message"]) == ("01GONE", None)
    assert (items[junk]["message_id"], items[junk]["submission"]) == (None, None)
    assert "body" not in items[dead]


def test_listed_records_are_visible_again_and_their_receive_count_grows(stack):
    # Given a record in the dead-letter queue
    record_id = send_to_dead_letters(json.dumps({"message_id": "01A", "submission": 1}))

    # When it is listed twice, then shown
    _, first = call("GET", "/dead-letters/messages")
    _, second = call("GET", "/dead-letters/messages")
    status, shown = call("GET", f"/dead-letters/messages/{record_id}")

    # Then each listing found it (released after the one before) and counted one receive
    assert [item["receive_count"] for item in first["items"]] == [1]
    assert [item["receive_count"] for item in second["items"]] == [2]
    assert (status, shown["receive_count"]) == (200, 3)
    assert call("GET", "/dead-letters")[1] == {"approximate_count": 1}


def test_list_takes_at_most_limit_records_and_refuses_over_100(stack):
    # Given twelve records, more than one receive brings
    for number in range(12):
        send_to_dead_letters(json.dumps({"message_id": f"01M{number}", "submission": 1}))

    # When
    _, some = call("GET", "/dead-letters/messages", query="limit=11")
    _, everything = call("GET", "/dead-letters/messages", query="limit=100")
    too_many, error = call("GET", "/dead-letters/messages", query="limit=101")

    # Then
    assert len(some["items"]) == 11
    assert len({item["record_id"] for item in everything["items"]}) == 12
    assert too_many == 400
    assert "limit" in error["error"]["message"]


def test_show_gives_the_raw_body_and_404_for_an_unknown_record(stack):
    # Given a dead submission among other records
    call("PUT", "/config", CONFIG)
    message_id = send("invoice.paid")
    for number in range(11):
        send_to_dead_letters(json.dumps({"message_id": f"01M{number}", "submission": 1}))
    record_id = dead_letter(THROTTLED)

    # When
    status, shown = call("GET", f"/dead-letters/messages/{record_id}")
    missing, error = call("GET", "/dead-letters/messages/no-such-record")

    # Then
    assert status == 200
    assert json.loads(shown["body"]) == {"message_id": message_id, "submission": 1}
    assert (shown["record_id"], shown["message"]["status"]) == (record_id, "DEAD")
    assert missing == 404
    assert error["error"]["message"] == (
        "no record no-such-record in the dead-letter queue (12 records scanned)"
    )


def test_redrive_one_record_processes_it_and_leaves_the_others(stack):
    # Given two dead submissions, the configuration they lacked now applied
    first, first_record = send("invoice.paid"), dead_letter(THROTTLED)
    second, second_record = send("invoice.paid"), dead_letter(THROTTLED)
    call("PUT", "/config", CONFIG)

    # When the first record alone is redriven and the queue drained
    status, redriven = call("POST", f"/dead-letters/messages/{first_record}/redrive")
    drained = drain_queue(new_context())

    # Then it was processed again; the other still waits, its message still DEAD
    _, left = call("GET", "/dead-letters/messages")
    assert status == 202
    assert (redriven["record_id"], redriven["message_id"]) == (first_record, first)
    assert (drained["received"], drained["failed"]) == (1, set())
    assert call("GET", f"/messages/{first}")[1]["status"] == "SUCCESS"
    assert [item["record_id"] for item in left["items"]] == [second_record]
    assert call("GET", f"/messages/{second}")[1]["status"] == "DEAD"


def test_discard_deletes_the_record_and_the_message_can_be_resubmitted(stack):
    # Given a dead submission
    call("PUT", "/config", CONFIG)
    message_id = send("invoice.paid")
    record_id = dead_letter(THROTTLED)

    # When its record is discarded, and the message resubmitted
    status, _ = call("DELETE", f"/dead-letters/messages/{record_id}")
    again, _ = call("DELETE", f"/dead-letters/messages/{record_id}")
    _, kept = call("GET", f"/messages/{message_id}")
    resubmitted, _ = call("POST", f"/messages/{message_id}/resubmit")
    drain_queue(new_context())

    # Then the queue no longer holds it, the message stayed DEAD until its resubmission ran
    _, left = call("GET", "/dead-letters/messages")
    assert status == 204
    assert again == 404
    assert left["items"] == []
    assert (kept["status"], kept["reason"]) == ("DEAD", THROTTLED)
    assert resubmitted == 202
    assert call("GET", f"/messages/{message_id}")[1]["status"] == "SUCCESS"


def test_redrive_of_an_unknown_record_changes_nothing(stack):
    # Given one record
    record_id = send_to_dead_letters(json.dumps({"message_id": "01A", "submission": 1}))

    # When another is asked for
    status, _ = call("POST", "/dead-letters/messages/no-such-record/redrive")

    # Then nothing was queued, and the record is still there, visible
    queued = boto3.client("sqs").receive_message(QueueUrl=wiring.get_settings().queue_url)
    assert status == 404
    assert "Messages" not in queued
    assert [item["record_id"] for item in call("GET", "/dead-letters/messages")[1]["items"]] == [
        record_id
    ]


def test_a_search_out_of_time_says_the_queue_was_not_scanned_whole(stack):
    # Given a record, and a search with no time at all
    send_to_dead_letters(json.dumps({"message_id": "01A", "submission": 1}))
    settings = wiring.get_settings()
    dead_letters = SqsDeadLetters(
        queue_url=settings.queue_url,
        queue_arn=settings.queue_arn,
        dlq_url=settings.dead_letter_queue_url,
        dlq_arn=settings.dead_letter_queue_arn,
        scan_seconds=0,
    )

    # When
    with pytest.raises(NotFoundError) as raised:
        dead_letters.record("no-such-record")

    # Then
    assert raised.value.message == (
        "no record no-such-record in the dead-letter queue (0 records scanned; the scan "
        "stopped at its time limit, before the end of the queue)"
    )


def test_a_receive_refused_by_sqs_is_a_502(stack, monkeypatch):
    # Given a dead-letter queue URL that names no queue
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_queue() + "-gone")
    wiring.reset()

    # When
    status, body = call("GET", "/dead-letters/messages/any")

    # Then
    assert status == 502
    assert body["error"]["code"] == "upstream_error"
    assert body["error"]["message"].startswith("SQS ReceiveMessage: ")


def test_a_redriven_record_is_queued_exactly_as_it_was(stack):
    # Given a dead resubmission, its record naming the configuration revision it needs
    call("PUT", "/config", CONFIG)
    message_id = send("invoice.paid")
    drain_queue(new_context())
    call("POST", f"/messages/{message_id}/resubmit")
    record_id = dead_letter(THROTTLED)
    _, shown = call("GET", f"/dead-letters/messages/{record_id}")

    # When
    status, _ = call("POST", f"/dead-letters/messages/{record_id}/redrive")

    # Then the processing queue holds the same body, revision included
    queue_url = wiring.get_settings().queue_url
    [queued] = boto3.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    assert status == 202
    assert (shown["message_id"], shown["submission"]) == (message_id, 2)
    assert "config_revision" in json.loads(shown["body"])
    assert queued["Body"] == shown["body"]
