"""Real GitHub traffic through the local stack: every community payload of every event type,
signed by GitHub's own signing code, sent where the README's walk-through points GitHub (the
example configuration's `git/push`) and where the catalog's GitHub provider listens
(`github/push`). GitHub sends `ping` first, then whatever events a webhook is set to send: each
must end SUCCESS, never FAILED."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import REPO, Client, started
from tests.e2e.senders import Delivery, github_deliveries
from tests.e2e.test_local_stack import processed

pytestmark = pytest.mark.e2e
SECRET = "change-me"  # the secret of the example configuration and of the catalog's GitHub
PATIENCE = 600.0  # seconds a replay may take to be processed on a busy machine


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> list[Delivery]:
    return github_deliveries(tmp_path_factory.mktemp("github-corpus"), SECRET)


@pytest.fixture(scope="module")
def example_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A local stack of its own with the example configuration, as `make serve` applies it."""
    with started(tmp_path_factory.mktemp("example-stack")) as client:
        yield client


@pytest.fixture(scope="module")
def catalog_github_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A local stack with the catalog's GitHub file applied as it is."""
    config = REPO / "examples" / "providers" / "github.yaml"
    with started(tmp_path_factory.mktemp("catalog-github-stack"), config) as client:
        yield client


def replay(stack: Client, uri: str, deliveries: list[Delivery]) -> Counter[tuple[str, str]]:
    """Send every delivery as GitHub does (queued, answered 202); how each ended, by status and
    event, once all are processed."""
    sent = []
    for delivery in deliveries:
        answer = stack.request("POST", f"/webhooks/{uri}", delivery.body, delivery.headers)
        assert answer.status == 202, (delivery.event, answer.body[:200])
        sent.append((delivery.event, answer.json()["message_id"]))
    endings: Counter[tuple[str, str]] = Counter()
    for event, message_id in sent:
        message = processed(stack, message_id, PATIENCE)
        endings[(message["status"], event)] += 1
    return endings


def test_the_walk_through_configuration_takes_every_github_event(example_stack, deliveries):
    # Given GitHub's payloads of every event type, ping included, signed with the secret
    assert {d.event for d in deliveries} >= {"ping", "push", "pull_request", "issues"}

    # When each is sent to the walk-through's URI
    endings = replay(example_stack, "git/push", deliveries)

    # Then every one was matched by GitHub and ended SUCCESS
    assert {status for status, _ in endings} == {"SUCCESS"}, endings
    assert endings.total() == len(deliveries)


def test_the_catalogs_github_provider_takes_every_github_event(catalog_github_stack, deliveries):
    # Given the same payloads
    # When each is sent to the catalog's GitHub URI
    endings = replay(catalog_github_stack, "github/push", deliveries)

    # Then every one ended SUCCESS
    assert {status for status, _ in endings} == {"SUCCESS"}, endings
    assert endings.total() == len(deliveries)
