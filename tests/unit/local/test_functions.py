"""Each function's local configuration: the template's settings, its env pointed at moto."""

from webhooks_local.functions import function_config, worker_count

ENDPOINT = "http://127.0.0.1:5000"


def test_function_takes_the_template_settings_and_moto_endpoint(stack):
    # When
    config = function_config("IngestFunction", stack, endpoint_url=ENDPOINT, admin_token="tok")

    # Then
    assert (config.handler, config.timeout, config.memory_size) == (
        "ingest.handler.lambda_handler",
        28,
        512,
    )
    assert config.function_name == "test-IngestFunction"
    environment = config.environment
    assert environment["AWS_ENDPOINT_URL"] == ENDPOINT
    assert environment["MESSAGES_TABLE"] == stack.refs["MessagesTable"]
    assert environment["QUEUE_URL"] == stack.refs["WebhookQueue"]
    assert environment["PARAMETER_PREFIX"] == "/test/"
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "IncomingWebhooks"
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "test-IngestFunction"
    assert "ADMIN_TOKEN" not in environment


def test_only_the_admin_function_gets_the_admin_token(stack):
    # When
    config = function_config("AdminFunction", stack, endpoint_url=ENDPOINT, admin_token="tok")

    # Then
    assert config.environment["ADMIN_TOKEN"] == "tok"


def test_worker_count_comes_from_local_workers_except_for_admin(monkeypatch):
    # Given
    monkeypatch.setenv("LOCAL_WORKERS", "3")

    # When / Then
    assert (worker_count("IngestFunction"), worker_count("AdminFunction")) == (3, 1)
