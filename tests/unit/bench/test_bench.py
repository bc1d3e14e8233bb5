"""The pure helpers of `make bench`: latency percentiles, `-X importtime` parsing,
the wait for drained queues and the report."""

import time
from typing import Any

from webhooks_bench import load
from webhooks_bench.cold_start import time_by_package
from webhooks_bench.load import latency_summary, wait_until_drained
from webhooks_bench.main import TARGETS, report

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:      5000 |     150000 |       botocore.session
import time:      1000 |     151000 |     botocore
import time:      7000 |     158000 |   boto3
import time:      3000 |       3000 |     pydantic.main
import time:       400 |       3400 |   pydantic
import time:      2000 |     163400 | ingest.handler
"""


def test_latency_summary_interpolates_percentiles_in_milliseconds():
    # Given: 1 ms to 100 ms, in reverse order
    seconds = [n / 1000 for n in range(100, 0, -1)]

    # When
    summary = latency_summary(seconds)

    # Then
    assert summary == {"p50": 50.5, "p95": 95.05, "p99": 99.01, "max": 100.0}


def test_latency_summary_of_nothing_is_empty():
    # When / Then
    assert latency_summary([]) == {}


def test_import_time_is_summed_by_package_from_the_modules_own_times():
    # When
    packages = time_by_package(IMPORTTIME, 3)

    # Then each module's own time counts once, for its top-level package, largest first
    assert packages == {"boto3": 7.0, "botocore": 6.0, "pydantic": 3.4}
    assert list(packages) == ["boto3", "botocore", "pydantic"]


def test_the_wait_ends_when_the_queues_are_drained():
    # Given a backlog that shrinks to nothing
    readings = iter([3, 1, 0])

    # When
    drained = wait_until_drained(lambda: next(readings), time.monotonic() + 60, interval=0)

    # Then
    assert drained is True
    assert next(readings, "all read") == "all read"


def test_the_wait_gives_up_on_a_backlog_that_stops_shrinking(monkeypatch):
    # Given a backlog stuck at 5 and a short stall timeout
    monkeypatch.setattr(load, "STALL_TIMEOUT", 0.05)

    # When
    drained = wait_until_drained(lambda: 5, time.monotonic() + 60, interval=0.01)

    # Then
    assert drained is False


def test_the_wait_gives_up_at_the_deadline():
    # When the deadline has passed already
    drained = wait_until_drained(lambda: 5, time.monotonic() - 1, interval=0)

    # Then
    assert drained is False


def _load(rps: float, p50: float, statuses: dict[str, int]) -> dict[str, Any]:
    latency = {"p50": p50, "p95": p50 * 2, "p99": p50 * 3, "max": p50 * 4}
    return {
        "requests": sum(statuses.values()),
        "requests_per_second": rps,
        "latency_ms": latency,
        "statuses": statuses,
        "errors": 0,
        "non_200": 0,
    }


def test_the_local_stack_report_prints_the_figures_next_to_the_targets():
    # Given the figures of one run
    figures = {
        "requests_per_mode": 400,
        "concurrency": 8,
        "async": _load(123.4, 20.0, {"202": 400})
        | {
            "queue_drained": True,
            "drained_seconds": 9.5,
            "messages_per_second": 42.1,
            "success": 400,
        },
        "sync": _load(61.0, 60.0, {"200": 400}),
        "sync_single_client": _load(45.0, 21.5, {"200": 100}),
        "targets": TARGETS,
    }

    # When
    text = report({"http": figures})

    # Then
    assert "ours, sync, one client" in text
    assert "queue drained after 9.5 s = 42.1 messages/s; SUCCESS 400" in text
    assert (
        "targets (2 cores): async 100 req/s (ours 123), sync 50 req/s (ours 61), "
        "one-client sync p50 under 25 ms (ours 21.5)"
    ) in text


def test_the_cold_start_report_prints_each_handler_tracing_off_and_on_next_to_boto3():
    # Given the layer figures of one run
    layer = {
        "boto3_ms": 200.0,
        "libraries_ms": 280.0,
        "tracing_off_ms": {"ingest": 300.0, "sweeper": 250.0},
        "tracing_on_ms": {"ingest": 330.0, "sweeper": 270.0},
        "ratio_to_boto3": {
            "libraries": 1.4,
            "tracing_off": {"ingest": 1.5, "sweeper": 1.25},
            "tracing_on": {"ingest": 1.65, "sweeper": 1.35},
        },
        "ingest_by_package_ms": {"botocore": 40.0, "pydantic": 30.0},
        "without_bytecode_ms": {"ingest": 800.0, "boto3": 450.0},
    }

    # When
    lines = report({"layer": layer}).splitlines()

    # Then
    assert "  ingest                  300.0     1.50        330.0     1.65" in lines
    assert "  sweeper                 250.0     1.25        270.0     1.35" in lines
    assert "  import boto3            200.0" in lines
    assert lines[lines.index("  import boto3            200.0") + 1].startswith(
        "  libraries               280.0     1.40   (boto3, pydantic"
    )
    assert "  target: ingest at most 1.3x boto3" in lines
