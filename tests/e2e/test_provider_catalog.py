"""The whole provider catalog applied at once to a local stack: each sender's example, signed
as the sender signs it, is matched by its own provider and its sample function runs; a forged
copy is matched by none. Every provider holds the same secret, so only the sender checks of
the match scripts keep them apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.conftest import EVENTS
from tests.e2e.conftest import Client, started
from tests.providers import ENTRIES, catalog

pytestmark = pytest.mark.e2e
SYNC = {"flex-sync-webhook": "true"}
IDS = [entry.provider for entry in ENTRIES]


@pytest.fixture(scope="module")
def catalog_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A local stack with every catalog provider applied, in the catalog's order."""
    directory = tmp_path_factory.mktemp("catalog-stack")
    config = directory / "providers.yaml"
    config.write_text(catalog().to_yaml(), encoding="utf-8")
    with started(directory, config) as client:
        yield client


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_a_signed_example_is_matched_by_its_provider(catalog_stack, entry):
    # Given the sender's example, signed now as the sender signs it
    headers = entry.signed_headers(datetime.now(UTC)) | SYNC

    # When it is sent to the sample function's URI
    answer = catalog_stack.request("POST", f"/webhooks/{entry.uri}", entry.body, headers)

    # Then its provider matched and its sample function ran (and answered, for Slack)
    message_id = answer.headers.get("flex-message-id") or answer.json()["message_id"]
    assert answer.status == 200
    message = catalog_stack.admin("GET", f"/messages/{message_id}").json()
    assert (message["status"], message["provider"]) == ("SUCCESS", entry.provider)
    assert message["message"]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_a_forged_copy_is_matched_by_none(catalog_stack, entry):
    # Given a copy with one byte changed (in the body, or in the token of a token sender)
    body, headers = entry.forged(datetime.now(UTC))

    # When it is sent
    answer = catalog_stack.request("POST", f"/webhooks/{entry.uri}", body, headers | SYNC)

    # Then no provider matched
    assert (answer.status, answer.json()["status"]) == (404, "UNMATCHED")
    message = catalog_stack.admin("GET", f"/messages/{answer.json()['message_id']}").json()
    assert message["provider"] is None


SLACK = next(entry for entry in ENTRIES if entry.provider == "Slack")
SLACK_COMMAND = (EVENTS / "slack_command.txt").read_bytes()


def test_slacks_url_verification_is_answered_without_the_sync_header(catalog_stack):
    # Given Slack's url_verification request, signed now, without flex-sync-webhook
    headers = SLACK.signed_headers(datetime.now(UTC))

    # When Slack sends it
    answer = catalog_stack.request("POST", "/webhooks/slack/events", SLACK.body, headers)

    # Then the answer is the challenge, in the request's own answer (how fast a synchronous
    # answer comes is a figure of make bench, not a pass/fail of a machine's speed)
    headers = {name.lower(): value for name, value in answer.headers.items()}
    assert (answer.status, answer.json()) == (
        200,
        {"challenge": json.loads(SLACK.body)["challenge"]},
    )
    assert headers["content-type"] == "application/json"
    message = catalog_stack.admin("GET", f"/messages/{headers['flex-message-id']}").json()
    assert (message["status"], message["executions"][0]["response"]["status"]) == ("SUCCESS", 200)


def test_a_slash_command_gets_its_reply(catalog_stack):
    # Given a signed /weather command, form-encoded as Slack sends it
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    headers = form | SLACK.sign(SLACK_COMMAND, SLACK.props, datetime.now(UTC), form)

    # When
    answer = catalog_stack.request("POST", "/webhooks/slack/commands", SLACK_COMMAND, headers)

    # Then the reply goes to the user who typed it
    assert answer.status == 200
    assert answer.json() == {"response_type": "ephemeral", "text": "Got /weather 94070"}
