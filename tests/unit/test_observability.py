"""X-Ray's SDK is imported on a cold start only when tracing is on."""

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
