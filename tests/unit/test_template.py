"""template.yaml declares what the functions need, as written (as moto provisions it:
tests/integration/test_template_stack.py)."""

import re
from collections.abc import Iterator

import pytest
import yaml
from moto.cloudformation.parsing import get_model_map

from webhook_engine.actions.aws_overrides import OVERRIDES
from webhook_engine.settings import Settings
from webhooks_testbed.template import (
    LOCAL_DEFAULTS,
    LOCAL_PARAMETERS,
    LOCAL_TYPES,
    TEMPLATE_PATH,
    function_spec,
    functions,
    load_template,
    local_parameters,
)

REPO_ROOT = TEMPLATE_PATH.parent


def test_template_reads_short_forms_as_long_form() -> None:
    # Given / When
    template = load_template()

    # Then
    queue = template["Resources"]["WebhookQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]
    }
    log_group = template["Resources"]["IngestLogGroup"]["Properties"]
    assert log_group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}/ingest"}
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }


# The name properties of the template's resource types, with the most characters each
# service takes; CloudFormation takes stack names of up to 128 characters.
NAME_LIMITS = {
    ("AWS::SQS::Queue", "QueueName"): 80,
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,
    ("AWS::Serverless::LayerVersion", "LayerName"): 140,
    ("AWS::SNS::Topic", "TopicName"): 256,
    ("AWS::DynamoDB::Table", "TableName"): 255,
    ("AWS::S3::Bucket", "BucketName"): 63,
    ("AWS::Serverless::Function", "FunctionName"): 64,
}
LONGEST_STACK_NAME = "s" * 128


def test_every_name_the_template_gives_is_its_stacks_and_fits_the_longest_stack_name() -> None:
    # Given each name the template gives
    given = {
        (logical_id, kind, prop): value
        for logical_id, resource in load_template()["Resources"].items()
        for (kind, prop) in NAME_LIMITS
        if resource["Type"] == kind and (value := resource["Properties"].get(prop)) is not None
    }

    # When it is made for two stacks, one of them with the longest name
    names = {key: _named_in(LONGEST_STACK_NAME, value) for key, value in given.items()}
    shared = [key for key, value in given.items() if _named_in("a", value) == _named_in("b", value)]
    too_long = {key: len(name) for key, name in names.items() if len(name) > NAME_LIMITS[key[1:]]}

    # Then the queues are left for CloudFormation to name (a name of ours would also stop a
    # redeploy within 60 s of a rollback: QueueDeletedRecently); the other names carry the
    # stack's (two stacks in one account and region share none), and fit
    assert [key for key in names if key[1] == "AWS::SQS::Queue"] == []
    assert shared == []
    assert too_long == {}
    assert ("EngineLayer", "AWS::Serverless::LayerVersion", "LayerName") in names


def _named_in(stack_name: str, value: str | dict) -> str:
    """A name property's value in a stack of that name: plain, or a Sub of the stack name."""
    match value:
        case str():
            return value
        case {"Fn::Sub": str(pattern)}:
            return pattern.replace("${AWS::StackName}", stack_name)
    raise AssertionError(f"a name this test cannot read: {value}")


def test_alarms_on_the_functions_metrics_watch_their_own_stacks_service() -> None:
    # Given the functions' namespace and service name, and every metric an alarm reads
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    namespace, service = (
        variables["POWERTOOLS_METRICS_NAMESPACE"],
        variables["POWERTOOLS_SERVICE_NAME"],
    )
    alarms = {
        logical_id: resource["Properties"]
        for logical_id, resource in load_template()["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }
    metrics = [
        (logical_id, metric)
        for logical_id, alarm in alarms.items()
        for metric in [
            alarm,
            *(m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m),
        ]
        if metric.get("Namespace") == namespace
    ]

    # When
    elsewhere = [
        (logical_id, m["MetricName"], m.get("Dimensions"))
        for logical_id, m in metrics
        if m.get("Dimensions") != [{"Name": "service", "Value": service}]
    ]

    # Then each one is the stack's own (Powertools adds the service as the only dimension)
    assert elsewhere == []
    assert {logical_id for logical_id, _ in metrics} >= {"SweptMessagesAlarm"}


def test_functions_and_layer_take_the_architecture_parameter_arm64_by_default() -> None:
    # Given the template
    template = load_template()

    # Then the functions and the layer follow one parameter, Lambda's arm64 unless overridden
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    assert template["Globals"]["Function"]["Architectures"] == [{"Ref": "Architecture"}]
    layer = template["Resources"]["EngineLayer"]["Properties"]
    assert layer["CompatibleArchitectures"] == [{"Ref": "Architecture"}]
    assert all(
        "Architectures" not in template["Resources"][fid]["Properties"] for fid in functions()
    )


def test_process_function_reads_the_queue_in_batches() -> None:
    # When
    spec = function_spec("ProcessFunction")

    # Then
    [event] = spec.events.values()
    assert event.type == "SQS"
    assert event.properties["Queue"] == "WebhookQueue"
    assert event.properties["BatchSize"] == 10
    assert event.properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("function_id", functions())
def test_function_code_exists(function_id: str) -> None:
    # Given
    spec = function_spec(function_id)

    # When
    package = spec.handler.split(".")[0]

    # Then
    assert (REPO_ROOT / spec.code_uri).is_dir()
    assert (REPO_ROOT / spec.code_uri / package / "__init__.py").is_file()


def test_local_types_are_the_template_resources_moto_creates() -> None:
    # Given the resource types moto's CloudFormation models
    modelled = get_model_map().keys()

    # When
    declared = {resource["Type"] for resource in load_template()["Resources"].values()}

    # Then every local type is modelled by moto's CloudFormation, and our template uses them
    assert LOCAL_TYPES - modelled == set()
    assert LOCAL_TYPES - {"AWS::SSM::Parameter"} <= declared


def _resource(logical_id: str) -> dict:
    return load_template()["Resources"][logical_id]


@pytest.mark.parametrize(
    ("function_id", "parameter"),
    [
        ("IngestFunction", "IngestReservedConcurrency"),
        ("ProcessFunction", "ProcessReservedConcurrency"),
        ("AdminFunction", "AdminReservedConcurrency"),
    ],
)
def test_reserved_concurrency_is_left_unreserved_by_default(
    function_id: str, parameter: str
) -> None:
    # Given
    template = load_template()

    # When
    reserved = _resource(function_id)["Properties"]["ReservedConcurrentExecutions"]

    # Then 0 (the default) leaves the property out rather than reserving zero
    condition, value, otherwise = reserved["Fn::If"]
    assert (value, otherwise) == ({"Ref": parameter}, {"Ref": "AWS::NoValue"})
    assert template["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, 0]}]
    }
    assert template["Parameters"][parameter]["Default"] == 0


def test_webhook_api_is_throttled_by_parameters() -> None:
    # When
    settings = _resource("WebhookApi")["Properties"]["DefaultRouteSettings"]

    # Then
    assert settings == {
        "ThrottlingRateLimit": {"Ref": "WebhookThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "WebhookThrottlingBurstLimit"},
    }


@pytest.mark.parametrize("parameter", sorted(load_template()["Parameters"]))
def test_operations_page_lists_every_parameter_with_its_default(parameter: str) -> None:
    # Given
    page = (REPO_ROOT / "docs/operations.md").read_text(encoding="utf-8")
    default = load_template()["Parameters"][parameter].get("Default", "")

    # When
    rows = [line for line in page.splitlines() if line.startswith(f"| `{parameter}` |")]

    # Then
    [row] = rows
    assert f"| `{default}` |" in row or (default == "" and "| empty |" in row)


def test_the_local_stack_sets_template_parameters_from_its_environment() -> None:
    # Given the local stack's environment
    environ = {"WEBHOOKS_HTTP_ALLOWED_HOSTS": "127.0.0.1:8080", "HTTP_ALLOWED_HOSTS": "ignored"}

    # When / Then its own variables become parameter overrides of the template, next to the
    # local stack's defaults
    assert local_parameters(environ) == LOCAL_DEFAULTS | {"HttpAllowedHosts": "127.0.0.1:8080"}
    assert local_parameters({}) == LOCAL_DEFAULTS
    assert set(LOCAL_PARAMETERS.values()) <= set(load_template()["Parameters"])


def test_the_local_stack_allows_exactly_the_overrides_of_the_example_unless_told_otherwise():
    # Given the example's build function, as its script calls aws.start_build
    example = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())
    [build] = [
        function
        for provider in example["providers"]
        for function in provider["functions"]
        if function["name"] == "GitHub - git/push - build"
    ]

    # When the local stack's default lists are read as the engine reads them
    defaults = Settings.from_environ(
        {item.setting.upper(): LOCAL_DEFAULTS[item.parameter] for item in OVERRIDES}
    )

    # Then they are the variables the script sets, and a commit id as source version
    assert set(defaults.action_build_environment_variables) == set(
        re.findall(r'"([A-Z_]+)":', build["script"])
    )
    assert defaults.action_build_source_versions == ("[0-9a-f]{40}",)
    assert 'source_version=payload["after"]' in build["script"]

    # And an empty variable empties a default (the template's own default)
    emptied = local_parameters({"WEBHOOKS_ACTION_BUILD_SOURCE_VERSIONS": ""})
    assert emptied["ActionBuildSourceVersions"] == ""


def test_the_local_stack_takes_every_action_list_from_its_environment() -> None:
    # Given
    arn = "arn:aws:codebuild:us-east-1:123456789012:project/build-web"

    # When / Then
    assert local_parameters({"WEBHOOKS_ACTION_BUILD_PROJECT_ARNS": arn}) == LOCAL_DEFAULTS | {
        "ActionBuildProjectArns": arn
    }
    assert {name for name in LOCAL_PARAMETERS.values() if name.startswith("Action")} == {
        "ActionEventBusArns",
        "ActionQueueArns",
        "ActionTopicArns",
        "ActionStateMachineArns",
        "ActionBuildProjectArns",
        "ActionPipelineArns",
        "ActionFunctionArns",
        "ActionBuildEnvironmentVariables",
        "ActionBuildSourceVersions",
    }


def _watched(alarm: dict) -> Iterator[tuple[str, str]]:
    """(namespace, metric name) of each metric an alarm watches, metric math included."""
    if "MetricName" in alarm:
        yield alarm["Namespace"], alarm["MetricName"]
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            yield metric["Namespace"], metric["MetricName"]


def test_every_alarm_watches_a_metric_the_engine_emits() -> None:
    # Given the engine's code, where each metric it emits is named once as a string
    engine = (REPO_ROOT / "layers" / "engine").rglob("*.py")
    source = "".join(path.read_text() for path in engine)
    # When the template's alarms are read
    watched = {
        name
        for resource in load_template()["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        for namespace, name in _watched(resource["Properties"])
        if namespace == "IncomingWebhooks"
    }
    # Then each alarm on the engine's namespace watches a metric the engine names (a renamed
    # metric cannot leave an alarm silent)
    assert "ScriptProcessFailures" in watched
    assert {name for name in watched if f'"{name}"' not in source} == set()
