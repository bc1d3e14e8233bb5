"""The whole provider catalog applied at once to a local stack: each sender's example, signed
as the sender signs it, is matched by its own provider and its sample function runs; a forged
copy is matched by none. Every provider holds the same secret, so only the sender checks of
the match scripts keep them apart."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from svix.webhooks import Webhook

from tests.conftest import EVENTS
from tests.e2e.conftest import Client, started
from tests.providers import ENTRIES, STANDARD_SECRET, catalog

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


STANDARD = next(entry for entry in ENTRIES if entry.provider == "Standard Webhooks")


def svix_sent(ids: dict[str, str]) -> dict[str, str]:
    """Headers of a Standard Webhooks message signed by Svix's own library: `ids` maps each
    prefix sent (`webhook`, `svix`) to its message id; the first prefix's id is signed."""
    moment = datetime.fromtimestamp(int(datetime.now(UTC).timestamp()), UTC)
    signature = Webhook(STANDARD_SECRET).sign(
        next(iter(ids.values())), moment, STANDARD.body.decode()
    )
    headers = {"Content-Type": "application/json"} | SYNC
    for prefix, message_id in ids.items():
        headers |= {
            f"{prefix}-id": message_id,
            f"{prefix}-timestamp": str(int(moment.timestamp())),
            f"{prefix}-signature": signature,
        }
    return headers


def send_standard(stack: Client, ids: dict[str, str]) -> dict:
    answer = stack.request("POST", f"/webhooks/{STANDARD.uri}", STANDARD.body, svix_sent(ids))
    assert answer.status == 200, answer.body[:300]
    return stack.admin("GET", f"/messages/{answer.json()['message_id']}").json()


@pytest.mark.parametrize("prefix", ["svix", "webhook"])
def test_a_standard_webhooks_sender_repeating_a_message_is_a_duplicate(catalog_stack, prefix):
    # Given a message sent once with only svix-* (or only webhook-*) headers, signed by Svix
    ids = {prefix: f"msg_{uuid.uuid4().hex}"}
    first = send_standard(catalog_stack, ids)

    # When the sender sends it again
    again = send_standard(catalog_stack, ids)

    # Then the catalog's rule found its id: the repeat ran nothing, a duplicate of the first
    assert (first["status"], first["provider"]) == ("SUCCESS", STANDARD.provider)
    assert (again["status"], again["duplicate_of"]) == ("DUPLICATE", first["id"])


def test_the_first_listed_header_present_is_the_delivery_id(catalog_stack):
    # Given a message sent with both headers (webhook-id listed first)
    shared_svix_id = f"msg_{uuid.uuid4().hex}"
    first = send_standard(
        catalog_stack, {"webhook": "msg_a" + uuid.uuid4().hex, "svix": shared_svix_id}
    )

    # When another comes with the same svix-id but another webhook-id
    other = send_standard(
        catalog_stack, {"webhook": "msg_b" + uuid.uuid4().hex, "svix": shared_svix_id}
    )

    # Then it is another delivery: only webhook-id counted
    assert (first["status"], other["status"]) == ("SUCCESS", "SUCCESS")
