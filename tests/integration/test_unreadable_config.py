"""One configuration item that cannot be read stops nothing: it is left out, named in a log, a
metric and the admin API, and can be repaired or deleted; every other provider keeps working."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.conftest import http_event, new_context
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from tests.integration.test_pipeline import GITHUB, PUSH, ingest, signed, stored
from webhook_engine import wiring
from webhook_engine.domain.models import Status
from webhook_engine.observability import logger, metrics

# A provider item as an earlier admin API stored it: a property with an empty name, which
# the table keeps but cannot hand back (boto3 cannot deserialise the map).
BROKEN = {
    "pk": "PROVIDER",
    "sk": "01BROKEN00000000000000000",
    "name": "Broken",
    "description": "",
    "active": True,
    "sync": False,
    "properties": {"": {"value": "top-secret-value", "secret": False}},
    "match_script": "return True",
    "position": 0,
    "version": 1,
}
SYNC_PUSH = {"flex-sync-webhook": "true"}


def put_raw(item: dict[str, Any]) -> None:
    table = boto3.resource("dynamodb").Table(wiring.get_settings().config_table)
    table.put_item(Item=item)
    table.update_item(
        Key={"pk": "META", "sk": "revision"},
        UpdateExpression="ADD revision :one",
        ExpressionAttributeValues={":one": 1},
    )


@pytest.fixture
def broken(configure) -> str:
    """The GitHub configuration, and one unreadable provider item before it."""
    configure(GITHUB)
    put_raw(BROKEN)
    wiring.reset()
    return str(BROKEN["sk"])


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    handler = logger.logger_handler
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    yield written
    handler.setStream(previous)


def test_every_other_provider_keeps_working(broken):
    # When webhooks arrive, synchronously and asynchronously, and operators read the config
    headers = signed(PUSH)
    sync_status, sync_body = ingest(
        http_event("git/push", PUSH, headers=headers | SYNC_PUSH, query="projectId=1"),
        new_context(),
    )
    _, async_body = ingest(
        http_event("git/push", PUSH, headers=headers, query="projectId=1"), new_context()
    )
    drained = drain_queue(new_context())
    listed = call("GET", "/providers")
    exported = call("GET", "/config")

    # Then GitHub matched both, and the admin API answers, listing the broken item apart
    assert (sync_status, sync_body["status"]) == (200, "SUCCESS")
    assert drained["failed"] == set()
    assert stored(async_body["message_id"]).message.status is Status.SUCCESS
    assert listed[0] == 200
    assert [p["name"] for p in listed[1]["items"]] == ["GitHub"]
    [unreadable] = listed[1]["unreadable"]
    assert (unreadable["id"], unreadable["kind"]) == (broken, "provider")
    assert exported[0] == 200
    assert [p["name"] for p in exported[1]["providers"]] == ["GitHub"]


def test_the_unreadable_item_is_logged_and_counted_without_its_values(broken, log_lines):
    # When the configuration is loaded
    metrics.clear_metrics()
    wiring.config_store().list_providers()

    # Then an error line names the item (never its values) and a metric counts it
    errors = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    [line] = [e for e in errors if e["message"] == "configuration item unreadable; left out"]
    assert (line["level"], line["item_id"], line["kind"]) == ("ERROR", broken, "provider")
    assert "top-secret-value" not in log_lines.getvalue()
    assert metrics.metric_set["ConfigItemsUnreadable"]["Value"] == [1.0]
    metrics.clear_metrics()


def test_the_unreadable_item_is_shown_as_broken_and_can_be_repaired(broken):
    # When an operator looks at it, then replaces it with a valid provider
    shown = call("GET", f"/providers/{broken}")
    body = {
        "name": "Repaired",
        "match_script": "return False",
        "properties": {"ORG": {"value": "acme"}},
    }
    repaired = call("PUT", f"/providers/{broken}", body)

    # Then it was refused as unreadable (409, naming what is wrong), then readable again
    assert shown[0] == 409
    assert shown[1]["error"]["code"] == "unreadable"
    assert "PUT" in shown[1]["error"]["message"]
    assert repaired[0] == 200
    assert repaired[1]["name"] == "Repaired"
    assert call("GET", "/providers")[1]["unreadable"] == []


def test_the_unreadable_item_can_be_deleted(broken):
    # When an operator deletes it
    deleted = call("DELETE", f"/providers/{broken}")

    # Then it is gone
    listed = call("GET", "/providers")[1]
    assert deleted[0] == 204
    assert listed["unreadable"] == []
    assert [p["name"] for p in listed["items"]] == ["GitHub"]


@pytest.mark.parametrize(
    "properties",
    [
        {"": {"value": "x"}},
        {"a/b": {"value": "x"}},
        {"A": {"value": "\ud800"}},
        {"\ud800": {"value": "x"}},
    ],
    ids=["empty name", "slash", "surrogate value", "surrogate name"],
)
def test_a_property_the_table_cannot_keep_is_refused_and_nothing_is_stored(configure, properties):
    # Given
    configure(GITHUB)

    # When a provider with such a property is created
    status, body = call(
        "POST", "/providers", {"name": "P", "match_script": "return 1", "properties": properties}
    )

    # Then it is refused, and the configuration still reads whole
    assert status == 400
    assert body["error"]["code"] == "invalid_request"
    assert call("GET", "/providers")[1]["unreadable"] == []
    assert [p["name"] for p in call("GET", "/providers")[1]["items"]] == ["GitHub"]


def test_an_unreadable_function_is_left_out_and_can_be_repaired_or_deleted(configure):
    # Given GitHub's functions, and two function items that cannot be read
    configure(GITHUB)
    github = call("GET", "/providers")[1]["items"][0]["id"]
    for number in (1, 2):
        put_raw(
            {
                "pk": "FUNCTION",
                "sk": f"01BROKENFUNCTION0000000{number}",
                "provider_id": github,
                "name": f"broken {number}",
                "uri": 5,  # a number where text belongs
                "script": "x = 1",
            }
        )
    wiring.reset()

    # When the functions are listed, one replaced and the other deleted
    listed = call("GET", "/functions")
    body = {"provider_id": github, "name": "repaired", "uri": "git/push", "script": "x = 2"}
    repaired = call("PUT", "/functions/01BROKENFUNCTION00000001", body)
    deleted = call("DELETE", "/functions/01BROKENFUNCTION00000002")

    # Then the readable ones were listed, the broken apart; then both are dealt with
    assert listed[0] == 200
    assert sorted(f["name"] for f in listed[1]["items"]) == ["broken", "log push", "project"]
    assert sorted(u["id"] for u in listed[1]["unreadable"]) == [
        "01BROKENFUNCTION00000001",
        "01BROKENFUNCTION00000002",
    ]
    assert (repaired[0], repaired[1]["name"], deleted[0]) == (200, "repaired", 204)
    assert call("GET", "/functions")[1]["unreadable"] == []
