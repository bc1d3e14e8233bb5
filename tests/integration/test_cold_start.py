"""A cold start of the asynchronous ingest loads only what that path runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import ingest.handler
from webhook_engine import wiring
from webhook_engine.domain import models
wiring.ingest()
built = [name for name, value in vars(models).items()
         if isinstance(value, type) and issubclass(value, models.BaseModel)
         and value is not models.BaseModel and value.__pydantic_complete__]
print(json.dumps({"modules": sorted(sys.modules), "built": built}))
"""
# What only processing, configuration writes or the admin API use.
NOT_ON_THE_PATH = (
    "webhook_engine.sandbox",
    "webhook_engine.pipeline.processing",
    "webhook_engine.config.apply",
    "webhook_engine.config.catalog",
    "webhook_engine.config.document",
    "webhook_engine.config.rules",
    "RestrictedPython",
    "yaml",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.event_handler",
    "aws_xray_sdk.core",
)


def test_the_async_ingest_path_loads_no_processing_and_builds_no_model():
    # Given a fresh interpreter, tracing off
    environment = os.environ | {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    # When the ingest handler is imported and its asynchronous path built
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout)

    # Then nothing that only other paths run was imported, and no model was built yet
    assert [m for m in loaded["modules"] if m.startswith(NOT_ON_THE_PATH)] == []
    assert loaded["built"] == []
