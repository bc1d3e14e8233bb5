"""What SAM's commands are given: the events' request time, the functions' variables, and an
environment that holds nothing of the caller's but what SAM needs."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webhooks_sam.sam import environment
from webhooks_sam.stack import stamped, variables

EVENTS = sorted((Path(__file__).parents[3] / "events").glob("*.json"))
NOW = datetime(2026, 12, 1, 8, 30, 5, 250_000, tzinfo=UTC)


@pytest.mark.parametrize("path", EVENTS, ids=lambda path: path.name)
def test_only_http_api_events_get_the_request_time_of_now(path: Path) -> None:
    # Given an event file
    event = json.loads(path.read_text())
    original = json.loads(path.read_text())

    # When it is stamped
    found = stamped(event, NOW)

    # Then an HTTP API event carries now (API Gateway's milliseconds and text), nothing else
    # changes, and the file's event is left as it was
    assert event == original
    if "requestContext" in event:
        assert found["requestContext"]["timeEpoch"] == 1796113805250
        assert found["requestContext"]["time"] == "01/Dec/2026:08:30:05 +0000"
        found["requestContext"] |= {
            key: event["requestContext"][key] for key in ("timeEpoch", "time")
        }
    assert found == event


STATE = {
    "environments": {
        "IngestFunction": {"QUEUE_URL": "stack-queue", "QUEUE_ARN": "stack-arn", "TABLE": "t"},
        "AdminFunction": {"TABLE": "t"},
    }
}


def test_every_function_reaches_the_endpoint_and_keeps_its_variables() -> None:
    # When the variables are made without a queue of their own
    found = variables(STATE, "http://172.17.0.1:4000")

    # Then each function has the endpoint on top of its own variables
    assert found == {
        "IngestFunction": STATE["environments"]["IngestFunction"]
        | {"AWS_ENDPOINT_URL": "http://172.17.0.1:4000"},
        "AdminFunction": {"TABLE": "t", "AWS_ENDPOINT_URL": "http://172.17.0.1:4000"},
    }


def test_a_queue_of_their_own_replaces_the_stacks_for_every_function() -> None:
    # When the variables are made with a queue
    found = variables(STATE, "http://e", ("sam-queue", "sam-arn"))

    # Then every function sends to it, whether it declared the queue or not
    assert {env["QUEUE_URL"] for env in found.values()} == {"sam-queue"}
    assert {env["QUEUE_ARN"] for env in found.values()} == {"sam-arn"}
    assert found["IngestFunction"]["TABLE"] == "t"


def test_sam_runs_with_none_of_the_callers_aws_settings_or_declared_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a caller whose environment holds real credentials, a profile and a variable the
    # template declares (SAM would hand the latter to the function)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAREAL",
        "AWS_SECRET_ACCESS_KEY": "real-secret",
        "AWS_SESSION_TOKEN": "real-token",
        "AWS_PROFILE": "prod",
        "QUEUE_URL": "https://sqs.example/prod-queue",
        "HOME": "/home/dev",
        "DOCKER_HOST": "unix:///run/docker.sock",
    }.items():
        monkeypatch.setenv(name, value)

    # When SAM's environment is made, with and without an STS endpoint
    found, with_sts = environment(), environment("http://127.0.0.1:5000")

    # Then only what SAM and Docker need passes, with moto's dummy credentials
    assert not {"AKIAREAL", "real-secret", "real-token"} & set(found.values())
    assert not {"AWS_SESSION_TOKEN", "AWS_PROFILE", "QUEUE_URL"} & set(found)
    assert (found["AWS_ACCESS_KEY_ID"], found["AWS_SECRET_ACCESS_KEY"]) == ("testing", "testing")
    assert (found["HOME"], found["DOCKER_HOST"]) == ("/home/dev", "unix:///run/docker.sock")
    assert found["PATH"].startswith(str(Path(sys.executable).parent))
    assert "AWS_ENDPOINT_URL_STS" not in found
    assert with_sts["AWS_ENDPOINT_URL_STS"] == "http://127.0.0.1:5000"
