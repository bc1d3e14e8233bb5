"""The message routes on fakes: lists, details and bodies as shown, resubmissions as queued."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.admin.conftest import Admin
from tests.unit.builders import RECEIVED_AT, message
from webhook_engine.domain.models import Mode, Status


def _store(admin: Admin, *ids: str, status: Status | None = None) -> None:
    """Messages arriving a minute apart in the order given; settled as `status` if given."""
    for n, message_id in enumerate(ids):
        arrived = message(message_id).model_copy(
            update={"received_at": RECEIVED_AT + timedelta(minutes=n)}
        )
        admin.messages.put_message(arrived, Mode.ASYNC)
        if status is not None:
            admin.messages.settle(message_id, 1, status, "settled by the test")


def test_the_list_is_newest_first_filtered_and_paged(admin: Admin):
    # Given three failed messages and one that is not
    _store(admin, "m-1", "m-2", "m-3", status=Status.FAILED)
    _store(admin, "m-4")

    # When the failed ones are listed two at a time
    status, first = admin.call("GET", "/messages", query="status=FAILED&limit=2")
    _, second = admin.call(
        "GET", "/messages", query=f"status=FAILED&limit=2&cursor={first['next_cursor']}"
    )

    # Then
    assert status == 200
    assert [m["id"] for m in first["items"]] == ["m-3", "m-2"]
    assert [m["id"] for m in second["items"]] == ["m-1"]
    assert second["next_cursor"] is None


def test_a_detail_masks_credentials_in_headers_and_query(admin: Admin):
    # Given a message that carried a token in a header and in its query string
    admin.messages.put_message(
        message("m-1", headers={"authorization": "Bearer abc"}, query="token=abc&page=2"),
        Mode.ASYNC,
    )

    # When
    status, shown = admin.call("GET", "/messages/m-1")

    # Then the values are masked, everything else shown as received
    assert status == 200
    assert "abc" not in str({k: shown[k] for k in ("headers", "query", "query_string")})
    assert shown["query"]["page"] == "2"
    assert (shown["body"], shown["body_url"]) == ("{}", "/admin/v1/messages/m-1/body")


def test_a_body_is_served_as_received_or_linked_when_it_is_in_the_bucket(admin: Admin):
    # Given a small body kept in the table, and one past the inline limit
    admin.messages.inline_limit = 10
    admin.messages.put_message(message("small", body=b"tiny"), Mode.ASYNC)
    admin.messages.put_message(message("large", body=b"x" * 11), Mode.ASYNC)

    # When
    small = admin.raw("GET", "/messages/small/body")
    large = admin.raw("GET", "/messages/large/body")

    # Then
    assert (small["statusCode"], small["body"]) == (200, "tiny")
    assert small["headers"]["x-content-type-options"] == "nosniff"
    assert large["statusCode"] == 307
    assert large["headers"]["location"].startswith("memory://payloads/payloads/large")


def test_resubmitting_queues_a_new_submission_at_the_current_revision(admin: Admin):
    # Given a stored message, and a configuration written three times
    _store(admin, "m-1", status=Status.FAILED)
    admin.config.revision_number = 3

    # When
    status, body = admin.call("POST", "/messages/m-1/resubmit")

    # Then
    assert (status, body) == (202, {"message_id": "m-1", "submission": 2})
    assert (admin.queue.sent, admin.queue.revisions) == ([("m-1", 2)], [3])


def test_resubmitting_an_unknown_message_is_a_404_and_queues_nothing(admin: Admin):
    # When
    status, body = admin.call("POST", "/messages/nope/resubmit")

    # Then
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert admin.queue.sent == []


def test_a_bulk_resubmission_by_filter_takes_the_newest_matches_up_to_its_limit(admin: Admin):
    # Given three failed messages and a successful one
    _store(admin, "m-1", "m-2", "m-3", status=Status.FAILED)
    _store(admin, "m-4", status=Status.SUCCESS)

    # When
    status, body = admin.call(
        "POST", "/messages/resubmit", body={"filter": {"status": "FAILED"}, "limit": 2}
    )

    # Then
    assert status == 202
    assert (body["count"], body["message_ids"], body["remaining"]) == (2, ["m-3", "m-2"], [])
    assert admin.queue.sent == [("m-3", 2), ("m-2", 2)]


def test_a_bulk_resubmission_naming_an_unknown_id_does_nothing(admin: Admin):
    # Given
    _store(admin, "m-1")

    # When
    status, body = admin.call("POST", "/messages/resubmit", body={"ids": ["m-1", "nope"]})

    # Then
    assert status == 404
    assert "nope" in body["error"]["message"]
    assert admin.queue.sent == []


def test_a_bulk_resubmission_takes_ids_or_a_filter_not_both(admin: Admin):
    # When
    status, body = admin.call(
        "POST", "/messages/resubmit", body={"ids": ["m-1"], "filter": {"status": "FAILED"}}
    )

    # Then
    assert (status, body["error"]["code"]) == (400, "invalid_request")
