"""Each function's local configuration: the template's settings, its env pointed at moto."""

from webhooks_testbed.lambdas import function_config
from webhooks_testbed.template import functions

ENDPOINT = "http://127.0.0.1:5000"


def test_function_takes_the_template_settings_and_moto_endpoint(stack):
    # When
    config = function_config("IngestFunction", stack, endpoint_url=ENDPOINT)

    # Then
    assert (config.handler, config.timeout, config.memory_size) == (
        "ingest.handler.lambda_handler",
        28,
        512,
    )
    assert config.function_name == "test-IngestFunction"
    environment = config.environment
    assert environment["AWS_ENDPOINT_URL"] == ENDPOINT
    assert environment["MESSAGES_TABLE"] == stack.refs["MessageStoreTable"]
    assert environment["QUEUE_URL"] == stack.refs["WebhookQueue"]
    assert environment["PARAMETER_PREFIX"] == "/test/"
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "IncomingWebhooks"
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "test-IngestFunction"


def test_no_function_gets_the_admin_token(stack):
    # When
    configs = [function_config(fid, stack, endpoint_url=ENDPOINT) for fid in functions()]

    # Then the token stays with the gateway, which plays the IAM authorizer (a token
    # endpoint's URL, the console's sign-in, is no token)
    tokens = [name for c in configs for name in c.environment if "TOKEN" in name]
    assert [name for name in tokens if not name.endswith("_URL")] == []


def test_locally_a_configuration_edit_applies_to_the_next_webhook(stack):
    # When any function's configuration is built
    config = function_config("ProcessFunction", stack, endpoint_url=ENDPOINT)

    # Then its configuration cache checks the revision on every message
    assert config.environment["CONFIG_CACHE_SECONDS"] == "0"
