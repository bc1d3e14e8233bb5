"""X-Ray's SDK is imported on a cold start only when tracing is on, and then patches only the
libraries the functions call out with."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import sys, ingest.handler; print('aws_xray_sdk.core' in sys.modules)"


@pytest.mark.parametrize(("disabled", "imported"), [("true", "False"), ("false", "True")])
def test_the_xray_sdk_loads_only_with_tracing_on(disabled, imported):
    # Given a fresh interpreter with tracing off, or on
    environment = os.environ | {
        "POWERTOOLS_TRACE_DISABLED": disabled,
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    # When the ingest handler is imported
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    )

    # Then
    assert done.stdout.strip() == imported


PATCHERS = (
    "import sys, ingest.handler; "
    "print(sorted(m.split('.')[2] for m in sys.modules "
    "if m.startswith('aws_xray_sdk.ext.') and m.endswith('.patch')))"
)


def test_tracing_patches_botocore_and_http_client_only(tmp_path):
    # Given a fresh interpreter with tracing on, in a Lambda-like environment
    environment = os.environ | {
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(tmp_path),
    }

    # When the ingest handler is imported
    done = subprocess.run(
        [sys.executable, "-c", PATCHERS],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    # Then X-Ray's patchers for other libraries were never imported
    assert done.stdout.strip() == "['botocore', 'httplib']"


EMPTY_FLUSH = (
    "import admin.handler; from webhook_engine.observability import metrics; "
    "metrics.flush_metrics()"
)


def test_an_invocation_that_counted_nothing_warns_nobody():
    # Given a fresh interpreter, as a Lambda's or a local worker's, with the admin handler
    environment = os.environ | {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    # When metrics are flushed after an invocation that added none (most admin calls)
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", EMPTY_FLUSH],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    # Then Powertools' "No application metrics to publish" reached no console
    assert done.stderr == ""
