"""What one webhook costs, counted on moto: requests and capacity units are deterministic.

These are today's figures (make bench prints them with prices); a change to the data model
that moves them must change this test on purpose.
"""

from __future__ import annotations

import pytest

from webhooks_local.costs import cost_figures


@pytest.fixture(scope="module")
def figures() -> dict:
    return cost_figures(messages=3)


def test_ingest_stores_in_one_request_and_queues_in_another(figures):
    # Then (a warm ingest of an asynchronous 1 KB push)
    ingest = figures["warm"]["ingest"]
    assert ingest["by_operation"] == {"dynamodb.BatchWriteItem": 1, "sqs.SendMessage": 1}
    assert (ingest["write_units"], ingest["read_units"]) == (5.0, 0.0)


def test_warm_processing_reads_no_secret_and_no_configuration(figures):
    # Then (GitHub matched, two functions run; the configuration cached within its window)
    process = figures["warm"]["process"]
    assert process["by_operation"] == {
        "dynamodb.BatchWriteItem": 1,  # the executions and the submission
        "dynamodb.Query": 1,  # the message and its body
        "dynamodb.UpdateItem": 2,  # the claim, the outcome
    }
    assert (process["write_units"], process["read_units"]) == (6.0, 0.5)


def test_cold_containers_also_load_the_configuration_and_the_secrets(figures):
    # Then ingest reads the configuration (which URIs are sync) once per container, and
    # processing the secrets (here both share one process, so the configuration is read once)
    cold = figures["cold"]
    assert cold["ingest"]["by_operation"]["dynamodb.GetItem"] == 1  # the revision counter
    assert cold["ingest"]["by_operation"]["dynamodb.Query"] == 2  # providers, functions
    assert cold["process"]["by_operation"]["ssm.GetParametersByPath"] == 1


def test_the_price_per_million_adds_up(figures):
    # Then
    price = figures["price_per_million"]
    assert price["total"] == pytest.approx(
        sum(value for name, value in price.items() if name != "total"), abs=0.01
    )
    assert price["dynamodb"] == pytest.approx((5 + 6) * 0.625 + 0.5 * 0.125, abs=0.001)
