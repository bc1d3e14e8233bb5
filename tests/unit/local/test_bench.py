"""The pure helpers of `webhooks-local bench`: latency percentiles and `-X importtime` parsing."""

from webhooks_local.bench import top_imports
from webhooks_local.bench_http import latency_summary

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:      5000 |     150000 |     boto3
import time:      1000 |     200000 |   webhook_engine.wiring
import time:     90000 |      90000 |   aws_xray_sdk.core
import time:       400 |     360000 | ingest.handler
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


def test_top_imports_ranks_cumulative_times_without_the_module_itself():
    # When
    top = top_imports(IMPORTTIME, "ingest.handler", 3)

    # Then
    assert top == {"webhook_engine.wiring": 200.0, "boto3": 150.0, "aws_xray_sdk.core": 90.0}
    assert list(top) == ["webhook_engine.wiring", "boto3", "aws_xray_sdk.core"]
