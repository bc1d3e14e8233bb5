"""Warm workers: handlers run in a process's main thread, with the function's env and limits."""

import pytest

from webhooks_local.workers import (
    PAYLOAD_LIMIT,
    FunctionError,
    FunctionTimeout,
    FunctionWorkers,
    PayloadTooLarge,
    worker_count,
)
from webhooks_testbed.lambdas import FunctionConfig

CONFIG = FunctionConfig(
    function_id="TestFunction",
    function_name="local-TestFunction",
    handler="tests.integration.local.handlers.lambda_handler",
    timeout=5,
    memory_size=256,
    region="us-east-1",
    environment={"GREETING": "hello"},
)


@pytest.fixture(scope="module")
def workers():
    pool = FunctionWorkers(CONFIG, 1)
    pool.warm()
    yield pool
    pool.close()


def test_handler_runs_in_a_worker_main_thread_with_the_function_env(workers, monkeypatch):
    # Given
    monkeypatch.setenv("AWS_PROFILE", "someone-else")

    # When
    result = workers.invoke({"action": "echo"})

    # Then
    assert result["main_thread"] is True
    assert result["greeting"] == "hello"
    assert result["profile"] is None
    assert result["function_name"] == "local-TestFunction"
    assert result["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:local-TestFunction"
    assert 4000 < result["remaining_ms"] <= 5000


def test_workers_stay_warm_between_invocations(workers):
    # When
    first, second = workers.invoke({"action": "echo"}), workers.invoke({"action": "echo"})

    # Then
    assert first["pid"] == second["pid"]
    assert first["request_id"] != second["request_id"]


def test_handler_exception_is_a_function_error_and_the_worker_survives(workers):
    # Given
    before = workers.invoke({"action": "echo"})["pid"]

    # When
    with pytest.raises(FunctionError, match="RuntimeError: boom"):
        workers.invoke({"action": "fail"})

    # Then
    assert workers.invoke({"action": "echo"})["pid"] == before


def test_unserializable_result_is_a_function_error(workers):
    # When / Then
    with pytest.raises(FunctionError, match="not JSON serializable"):
        workers.invoke({"action": "unserializable"})


def test_timeout_replaces_the_worker(workers):
    # Given
    before = workers.invoke({"action": "echo"})["pid"]

    # When
    with pytest.raises(FunctionTimeout, match=r"Task timed out after 0\.50 seconds"):
        workers.invoke({"action": "sleep", "seconds": 30}, timeout=0.5)

    # Then
    assert workers.invoke({"action": "echo"})["pid"] != before


def test_event_over_six_megabytes_is_refused(workers):
    # When / Then
    with pytest.raises(PayloadTooLarge):
        workers.invoke({"action": "echo", "padding": "x" * PAYLOAD_LIMIT})


def test_call_runs_a_function_in_a_worker(workers):
    # When
    text = workers.call("tests.integration.local.handlers.add", 2, 3)

    # Then
    assert text == '{\n  "sum": 5\n}'


def test_handler_that_cannot_be_imported_fails_the_warm_up():
    # Given
    broken = FunctionWorkers(
        FunctionConfig(
            "Broken", "local-Broken", "tests.integration.local.missing.handler", 3, 128, "us-east-1"
        ),
        1,
    )

    # When / Then
    try:
        with pytest.raises(FunctionError, match="ModuleNotFoundError"):
            broken.warm()
    finally:
        broken.close()


def test_worker_count_comes_from_local_workers_except_for_admin(monkeypatch):
    # Given
    monkeypatch.setenv("LOCAL_WORKERS", "3")

    # When / Then
    assert (worker_count("IngestFunction"), worker_count("AdminFunction")) == (3, 1)
