"""The dead-letter routes on fakes: each record with its stored message, redriven or discarded."""

from __future__ import annotations

from tests.unit.admin.conftest import Admin
from tests.unit.builders import message
from webhook_engine.domain.models import Mode, Status


def test_records_are_listed_with_their_stored_message_or_none(admin: Admin):
    # Given a dead-lettered submission of a stored message, and one of a message not stored
    admin.messages.put_message(message("m-1"), Mode.ASYNC)
    admin.messages.settle("m-1", 1, Status.DEAD, "failed every delivery")
    admin.dead_letters.add("m-1", 1)
    admin.dead_letters.add("gone", 1)

    # When
    status, page = admin.call("GET", "/dead-letters/messages")

    # Then
    assert (status, page["approximate_count"]) == (200, 2)
    shown = {item["message_id"]: item["message"] for item in page["items"]}
    assert shown["gone"] is None
    assert (shown["m-1"]["status"], shown["m-1"]["reason"]) == ("DEAD", "failed every delivery")


def test_a_record_is_redriven_to_the_queue_or_discarded(admin: Admin):
    # Given two records
    first, second = admin.dead_letters.add("m-1", 1), admin.dead_letters.add("m-2", 3)

    # When one is redriven and the other discarded
    redriven, _ = admin.call("POST", f"/dead-letters/messages/{first}/redrive")
    discarded, _ = admin.call("DELETE", f"/dead-letters/messages/{second}")

    # Then only the redriven one went back to the queue, and none is left
    assert (redriven, discarded) == (202, 204)
    assert admin.queue.sent == [("m-1", 1)]
    assert admin.call("GET", "/dead-letters") == (200, {"approximate_count": 0})


def test_a_record_not_in_the_queue_is_a_404(admin: Admin):
    # When
    status, body = admin.call("GET", "/dead-letters/messages/record-9")

    # Then
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_redriving_the_whole_queue_answers_how_many_moved(admin: Admin):
    # Given
    admin.dead_letters.add("m-1", 1)
    admin.dead_letters.add("m-2", 1)

    # When
    status, body = admin.call("POST", "/dead-letters/redrive")

    # Then
    assert (status, body["moved"]) == (202, 2)
    assert sorted(admin.queue.sent) == [("m-1", 1), ("m-2", 1)]
