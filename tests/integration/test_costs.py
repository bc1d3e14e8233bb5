"""What one webhook and one page of the message list cost, counted on moto: requests and
capacity units are deterministic.

These are today's figures (make bench prints them with prices); a change to the data model
that moves them must change this test on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.admin_client import call
from tests.unit.builders import message
from webhook_engine import wiring
from webhook_engine.adapters.message_items import PARTITIONS
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Mode, Status
from webhook_engine.domain.ports import Outcome
from webhooks_bench.costs import BATCH, PRICES, cost_figures
from webhooks_bench.list_costs import list_figures
from webhooks_bench.meter import metered


@pytest.fixture(scope="module")
def figures() -> dict:
    return cost_figures(messages=3)


def test_ingest_stores_in_one_request_and_queues_in_another(figures):
    # Then (a warm ingest of an asynchronous 1 KB push: one item, body and headers in it)
    ingest = figures["warm"]["ingest"]
    assert ingest["by_operation"] == {"dynamodb.PutItem": 1, "sqs.SendMessage": 1}
    assert (ingest["write_units"], ingest["read_units"]) == (1.0, 0.0)


def test_warm_processing_is_a_claim_and_a_record_and_reads_nothing(figures):
    # Then (GitHub matched, two functions run; the configuration cached within its window;
    # the claim hands the message back, the record and outcome are one write)
    process = figures["warm"]["process"]
    assert process["by_operation"] == {"dynamodb.UpdateItem": 2}
    assert (process["write_units"], process["read_units"]) == (2.0, 0.0)


def test_a_body_that_does_not_compress_is_an_item_of_its_own_read_once(figures):
    # Then (the same push padded with incompressible text)
    ingest, process = figures["incompressible"]["ingest"], figures["incompressible"]["process"]
    assert ingest["by_operation"] == {"dynamodb.BatchWriteItem": 1, "sqs.SendMessage": 1}
    assert process["by_operation"] == {"dynamodb.UpdateItem": 2, "dynamodb.GetItem": 1}
    assert ingest["write_units"] + process["write_units"] == 4.0
    assert process["read_units"] == 0.5


def test_an_audit_entry_is_one_put_written_three_times(figures):
    # Then (the item, and its projection in the by-actor and by-time indexes: under 1 KB)
    audit = figures["audit"]
    assert audit["by_operation"] == {"dynamodb.PutItem": 1}
    assert (audit["write_units"], audit["read_units"]) == (3.0, 0.0)
    assert audit["price_per_million"] == round(3 * PRICES["dynamodb_write_unit"] * 1e6, 3)


def test_cold_containers_also_load_the_configuration_and_the_secrets(figures):
    # Then ingest reads the configuration (which URIs are sync) once per container, and
    # processing the secrets (here both share one process, so the configuration is read once)
    cold = figures["cold"]
    assert cold["ingest"]["by_operation"]["dynamodb.GetItem"] == 1  # the revision counter
    assert cold["ingest"]["by_operation"]["dynamodb.Query"] == 2  # providers, functions
    assert cold["process"]["by_operation"]["ssm.GetParametersByPath"] == 1
    assert "dynamodb.Query" not in cold["process"]["by_operation"]  # nor the message


def test_the_price_per_million_adds_up_and_its_counted_part_leaves_room_under_five_dollars(
    figures,
):
    # Then the parts add up, and what is counted (requests and capacity units, the same on any
    # machine) costs at most $4 a million, leaving $1 for Lambda's duration (150 ms a message
    # at 512 MB on arm64). The duration itself is timed: a figure of `make bench`, not a test.
    price = figures["price_per_million"]
    assert price["total"] == pytest.approx(
        sum(value for name, value in price.items() if name != "total"), abs=0.01
    )
    unit = PRICES["dynamodb_write_unit"] * 1e6
    assert price["dynamodb"] == pytest.approx(3 * unit, abs=0.001)
    invocations = PRICES["lambda_request"] * (1 + 1 / BATCH) * 1e6
    assert price["http_api"] + price["sqs"] + price["dynamodb"] + invocations < 4.0


def test_a_page_of_the_message_list_costs_one_query_per_partition_whatever_the_filter():
    # When every filter's list, with rare matches spread over 25 days, is read to its end
    pages = list_figures()

    # Then every page cost one Query per list partition, and found every match
    assert {name: page["requests_per_page"] for name, page in pages.items()} == dict.fromkeys(
        pages, PARTITIONS
    )
    assert pages["none"]["found"] == 1_000
    rare = {name: page["found"] for name, page in pages.items() if name != "none"}
    assert rare == {
        "status FAILED (index)": 10,
        "status DEAD (index)": 10,
        "status UNMATCHED": 10,
        "provider": 10,
        "function": 10,
        "uri": 10,
        "one day, 20 days ago": 41,  # both ends included, one every 36 minutes
    }
    assert pages["status FAILED (index)"]["pages"] == 1  # the index holds nothing else
    assert max(page["read_units_per_page"] for page in pages.values()) <= 64


def test_a_sweep_reads_what_came_of_age_since_the_last_one_not_the_whole_window(stack):
    # Given a day of finished messages, one every 10 minutes, and a first sweep
    store, now = wiring.message_store(), datetime.now(UTC)
    for number in range(144):
        arrived = now - timedelta(minutes=10 * number)
        _store_finished(store, message(new_id(int(arrived.timestamp() * 1000))), arrived)
    with metered() as first:
        wiring.sweeper().sweep(now)

    # When it sweeps again five minutes later
    with metered() as second:
        report = wiring.sweeper().sweep(now + timedelta(minutes=5))

    # Then the first read the day; the second read its mark, five minutes of arrivals (none)
    # and the watched submissions (none), at the least a read costs, and moved its mark
    assert report.requeued == report.lost == []
    assert first.read_units > second.read_units == 1 + 2 * PARTITIONS * 0.5
    assert second.requests == {
        "dynamodb.GetItem": 1,
        "dynamodb.Query": 2 * PARTITIONS,
        "dynamodb.PutItem": 1,
    }


def _store_finished(store, stored, arrived: datetime) -> None:
    store.put_message(stored.model_copy(update={"received_at": arrived}), Mode.ASYNC)
    claim = store.claim_submission(stored.id, 1, "owner", 60)
    claim.submission.status = Status.SUCCESS
    outcome = Outcome(Status.SUCCESS, "GitHub")
    store.finish_submission(claim.message, claim.submission, outcome, "owner")


def test_a_message_queued_again_costs_a_read_a_send_and_a_count(stack):
    # Given one message left unfinished an hour ago (its queue record lost), and a sweep mark
    store, now = wiring.message_store(), datetime.now(UTC)
    arrived = now - timedelta(hours=1)
    stuck = message(new_id(int(arrived.timestamp() * 1000)))
    store.put_message(stuck.model_copy(update={"received_at": arrived}), Mode.ASYNC)
    store.mark_swept(arrived - timedelta(minutes=1))

    # When the sweeper runs
    with metered() as cost:
        report = wiring.sweeper().sweep(now)

    # Then on top of a sweep's reads: one consistent read of its sweep count, the send, then
    # the count (sent before counted)
    assert report.requeued == [stuck.id]
    assert cost.requests == {
        "dynamodb.GetItem": 2,
        "dynamodb.Query": 2 * PARTITIONS,
        "sqs.SendMessage": 1,
        "dynamodb.UpdateItem": 1,
        "dynamodb.PutItem": 1,
    }


def test_a_configuration_write_is_read_back_once_and_a_listing_names_the_unreadable(configure):
    # Given a provider
    configure("providers: [{name: P, match_script: return True}]")
    provider = call("GET", "/providers")[1]["items"][0]

    # When its description is changed, then the providers are listed
    with metered() as write:
        changed = call("PATCH", f"/providers/{provider['id']}", {"description": "new"})
    with metered() as listing:
        call("GET", "/providers")

    # Then the write read the item back once (one consistent GetItem more than before), and
    # the list read providers, functions and, for the unreadable ones, both kinds again; the
    # audit trail took one entry
    assert changed[0] == 200
    assert write.requests["dynamodb.PutItem"] == 2  # the item, the audit entry
    assert write.requests["dynamodb.GetItem"] == 3  # the item, the read-back, the answer
    assert listing.requests == {"dynamodb.Query": 4}
