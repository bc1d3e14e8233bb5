"""Every `aws` action performed on moto by the engine's performer (`wiring.aws_performer()`),
its effect seen from the service's side; AWS's refusals and unreachable endpoints as errors.
The example's push-to-build through the handlers is in test_function_aws.py.

The resources live in eu-west-1 while the functions' default region is us-east-1: each call
goes to the region of the ARN it was allowed by.

moto's Lambda runs no code without Docker: with `use_docker: False` an invocation answers with
the payload it was given (nothing else is observable), and it does not check that the
function exists. moto's CodeBuild keeps a build's source version but not its environment
overrides (their form is checked in tests/unit/actions/test_aws.py).
"""

from __future__ import annotations

import io
import json
import socket
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.codebuild import create_project
from tests.integration.loopback_http import LoopbackServer
from webhook_engine import wiring
from webhook_engine.actions.aws_targets import KINDS
from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.adapters import clients

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
TRUST = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
}


@dataclass
class Resources:
    """What the tests act on, and the clients that look at the effects."""

    session: boto3.session.Session
    arns: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.session.client(service)


def perform(action: str, arguments: dict[str, Any], timeout: float = 10.0) -> Any:
    """The call as the toolkit makes it: target `aws.<action>`, keyword arguments as JSON."""
    return wiring.aws_performer().perform(f"aws.{action}", arguments, timeout).value


@pytest.fixture
def resources(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Resources]:
    """One resource of each kind in moto, each listed in its Action*Arns setting, and the
    build overrides the tests make allowed."""
    with mock_aws(config={"lambda": {"use_docker": False}}):
        made = Resources(boto3.Session(region_name=REGION))
        _queues(made)
        _bus_and_topic(made)
        _state_machine_project_pipeline(made)
        _function(made)
        listed = {
            "ACTION_EVENT_BUS_ARNS": made.arns["bus"],
            "ACTION_QUEUE_ARNS": f"{made.arns['jobs']},{made.arns['missing-queue']}",
            "ACTION_TOPIC_ARNS": made.arns["topic"],
            "ACTION_STATE_MACHINE_ARNS": made.arns["machine"],
            "ACTION_BUILD_PROJECT_ARNS": f"{made.arns['project']},{made.arns['missing-project']}",
            "ACTION_PIPELINE_ARNS": made.arns["pipeline"],
            "ACTION_FUNCTION_ARNS": made.arns["function"],
            "ACTION_BUILD_ENVIRONMENT_VARIABLES": "STAGE,TOKEN",
            "ACTION_BUILD_SOURCE_VERSIONS": r"v[0-9]+\.[0-9]+\.[0-9]+",
        }
        for name, value in listed.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        yield made
    wiring.reset()


def _queues(made: Resources) -> None:
    sqs = made.client("sqs")
    for name in ("jobs", "events-seen", "topic-seen"):
        made.urls[name] = sqs.create_queue(QueueName=name)["QueueUrl"]
        made.arns[name] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    made.arns["missing-queue"] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:never-created"


def _bus_and_topic(made: Resources) -> None:
    events = made.client("events")
    made.arns["bus"] = events.create_event_bus(Name="builds")["EventBusArn"]
    events.put_rule(Name="all", EventBusName="builds", EventPattern='{"source": ["ci"]}')
    events.put_targets(
        Rule="all", EventBusName="builds", Targets=[{"Id": "q", "Arn": made.arns["events-seen"]}]
    )
    sns = made.client("sns")
    made.arns["topic"] = sns.create_topic(Name="news")["TopicArn"]
    sns.subscribe(TopicArn=made.arns["topic"], Protocol="sqs", Endpoint=made.arns["topic-seen"])


def _state_machine_project_pipeline(made: Resources) -> None:
    role = made.client("iam").create_role(
        RoleName="actions", AssumeRolePolicyDocument=json.dumps(TRUST)
    )["Role"]["Arn"]
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    made.arns["machine"] = made.client("stepfunctions").create_state_machine(
        name="release", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    made.arns["project"] = create_project(made.client("codebuild"), role=role)
    made.arns["missing-project"] = f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/gone"
    stage = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    made.client("codepipeline").create_pipeline(
        pipeline={
            "name": "deploy",
            "roleArn": role,
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [
                {"name": name, "actions": [{"name": name, "actionTypeId": stage}]}
                for name in ("Source", "Deploy")
            ],
        }
    )
    made.arns["pipeline"] = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:deploy"
    made.arns["role"] = role


def _function(made: Resources) -> None:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    made.arns["function"] = made.client("lambda").create_function(
        FunctionName="notify",
        Runtime="python3.13",
        Role=made.arns["role"],
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]


def received(made: Resources, queue: str) -> list[str]:
    answer = made.client("sqs").receive_message(QueueUrl=made.urls[queue], MaxNumberOfMessages=10)
    return [message["Body"] for message in answer.get("Messages", [])]


# every action, and its effect ---------------------------------------------------------------


def test_put_event_reaches_the_rules_of_the_listed_bus(resources: Resources):
    # When
    result = perform(
        "put_event",
        {"detail_type": "push", "detail": {"ref": "main"}, "source": "ci", "bus": "builds"},
    )

    # Then the rule on that bus delivered the event to its queue
    [body] = received(resources, "events-seen")
    event = json.loads(body)
    assert (event["id"], event["detail-type"], event["detail"]) == (
        result["event_id"],
        "push",
        {"ref": "main"},
    )


def test_send_message_arrives_in_the_queue(resources: Resources):
    # When
    result = perform("send_message", {"queue_url": resources.urls["jobs"], "body": {"job": 7}})

    # Then
    answer = resources.client("sqs").receive_message(QueueUrl=resources.urls["jobs"])
    [message] = answer["Messages"]
    assert (message["MessageId"], message["Body"]) == (result["message_id"], '{"job":7}')


def test_publish_reaches_the_topics_subscribers(resources: Resources):
    # When
    result = perform(
        "publish",
        {"topic_arn": resources.arns["topic"], "message": "deployed", "subject": "Release"},
    )

    # Then the subscribed queue got SNS's envelope
    [body] = received(resources, "topic-seen")
    envelope = json.loads(body)
    assert (envelope["MessageId"], envelope["Message"], envelope["Subject"]) == (
        result["message_id"],
        "deployed",
        "Release",
    )


def test_start_execution_starts_the_state_machine_with_the_input(resources: Resources):
    # When
    result = perform("start_execution", {"state_machine_arn": "release", "input": {"tag": "v1"}})

    # Then
    execution = resources.client("stepfunctions").describe_execution(
        executionArn=result["execution_arn"]
    )
    assert execution["stateMachineArn"] == resources.arns["machine"]
    assert json.loads(execution["input"]) == {"tag": "v1"}


def test_start_build_builds_the_project_at_the_source_version(resources: Resources):
    # When
    result = perform(
        "start_build", {"project": "build-web", "env": {"STAGE": "ci"}, "source_version": "v1.2.3"}
    )

    # Then
    codebuild = resources.client("codebuild")
    [build] = codebuild.batch_get_builds(ids=[str(result["build_id"])])["builds"]
    assert (build["arn"], build["projectName"], build["sourceVersion"]) == (
        result["build_arn"],
        "build-web",
        "v1.2.3",
    )


def test_start_build_keeps_designs_signature(resources: Resources):
    # When: start_build(project, env=None) as docs/guide/scripts.md ("aws") documents it
    result = perform("start_build", {"project": resources.arns["project"]})

    # Then the project's default source version is built
    codebuild = resources.client("codebuild")
    assert codebuild.list_builds_for_project(projectName="build-web")["ids"] == [result["build_id"]]


def test_start_pipeline_starts_an_execution(resources: Resources):
    # When
    result = perform("start_pipeline", {"name": "deploy"})

    # Then
    execution = resources.client("codepipeline").get_pipeline_execution(
        pipelineName="deploy", pipelineExecutionId=str(result["pipeline_execution_id"])
    )["pipelineExecution"]
    assert execution["pipelineName"] == "deploy"


def test_invoke_queues_an_invocation(resources: Resources):
    # When
    result = perform("invoke", {"function_name": "notify", "payload": {"n": 1}})

    # Then Lambda accepted it for later (202); moto runs nothing without Docker
    assert result == {"status_code": 202}


def test_invoke_with_wait_returns_the_functions_answer(resources: Resources):
    # When
    result = perform("invoke", {"function_name": "notify", "payload": {"n": 1}, "wait": True})

    # Then (moto's Lambda without Docker answers with the payload)
    assert result == {"status_code": 200, "payload": {"n": 1}}


def test_each_call_is_logged_without_its_parameters(
    resources: Resources, caplog: pytest.LogCaptureFixture
):
    # When a message with a secret is sent, and a build of a missing project is asked
    perform("send_message", {"queue_url": "jobs", "body": "token=s3cr3t"})
    with pytest.raises(ActionError):
        perform("start_build", {"project": "gone", "env": {"TOKEN": "s3cr3t"}})

    # Then one line each: action, service, region, time and AWS's error code, never the
    # arguments nor AWS's message (which may repeat a value)
    lines = [r.__dict__ for r in caplog.records if r.getMessage() == "aws action"]
    assert [(line["action"], line["service"], line["region"]) for line in lines] == [
        ("send_message", "sqs", REGION),
        ("start_build", "codebuild", REGION),
    ]
    assert lines[0]["error"] is None
    assert lines[1]["error"] == "ResourceNotFoundException"
    assert all(isinstance(line["milliseconds"], int) for line in lines)
    assert "s3cr3t" not in str([record.__dict__ for record in caplog.records])


# refusals and faults ---------------------------------------------------------------------------


def test_every_action_is_refused_when_nothing_is_listed(
    resources: Resources, monkeypatch: pytest.MonkeyPatch
):
    # Given the default: empty lists
    for kind in KINDS:
        monkeypatch.setenv(kind.setting.upper(), "")
    wiring.reset()
    calls = {
        "put_event": {"detail_type": "push", "detail": {}, "bus": "builds"},
        "send_message": {"queue_url": resources.urls["jobs"], "body": "x"},
        "publish": {"topic_arn": resources.arns["topic"], "message": "x"},
        "start_execution": {"state_machine_arn": resources.arns["machine"], "input": {}},
        "start_build": {"project": "build-web"},
        "start_pipeline": {"name": "deploy"},
        "invoke": {"function_name": "notify", "payload": {}},
    }

    # When / Then
    for action, arguments in calls.items():
        with pytest.raises(ActionRefused, match=f"^aws\\.{action}: .* is not listed in Action"):
            perform(action, arguments)
    codebuild = resources.client("codebuild")
    assert codebuild.list_builds_for_project(projectName="build-web")["ids"] == []
    assert received(resources, "jobs") == []


def test_a_listed_project_that_does_not_exist_is_awss_error_without_request_ids(
    resources: Resources,
):
    # When
    with pytest.raises(ActionError) as error:
        perform("start_build", {"project": "gone"})

    # Then
    assert str(error.value) == (
        "aws.start_build: ResourceNotFoundException: Project cannot be found: "
        f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/gone"
    )


def test_a_listed_queue_that_does_not_exist_is_awss_error(resources: Resources):
    # When / Then
    with pytest.raises(ActionError, match=r"^aws\.send_message: .*NonExistentQueue"):
        perform("send_message", {"queue_url": "never-created", "body": "x"})


def test_too_little_time_left_is_a_limit_error_before_any_call(resources: Resources):
    # When a script with 0.4 s left starts a build
    with pytest.raises(ActionLimitError) as error:
        perform("start_build", {"project": "build-web"}, timeout=0.4)

    # Then
    assert str(error.value) == (
        "aws.start_build: 0.4 s left of the script's time, too little for a call (at least 1 s)"
    )
    codebuild = resources.client("codebuild")
    assert codebuild.list_builds_for_project(projectName="build-web")["ids"] == []


def test_clients_are_made_once_per_service_region_and_time_bucket(resources: Resources):
    # When three builds start with 4, 4.9 and 12 s left
    for timeout in (4.0, 4.9, 12.0):
        perform("start_build", {"project": "build-web"}, timeout=timeout)

    # Then two clients were made: 2 s and 10 s, neither retrying
    assert clients.timed_client.cache_info().currsize == 2
    config = clients.timed_client("codebuild", REGION, 2.0).meta.config
    assert (config.connect_timeout, config.read_timeout) == (0.5, 1.5)
    assert config.retries["total_max_attempts"] == 1
    assert clients.timed_client("codebuild", REGION, 10.0).meta.config.connect_timeout == 2.5


class SilentEndpoint:
    """A loopback endpoint that never answers: the kernel completes connections into the
    listening socket's backlog, and nobody reads them."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=8)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"

    def connections(self) -> int:
        """How many connections were made to it so far (each is taken off the backlog)."""
        self.server.setblocking(False)
        count = 0
        while True:
            try:
                connection, _ = self.server.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1


@pytest.fixture
def silent_endpoint() -> Iterator[SilentEndpoint]:
    endpoint = SilentEndpoint()
    yield endpoint
    endpoint.server.close()


def _pointed_at(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "ACTION_PIPELINE_ARNS": f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:deploy",
    }.items():
        monkeypatch.setenv(name, value)
    wiring.reset()


def test_a_service_that_does_not_answer_is_given_up_within_the_time(
    silent_endpoint: SilentEndpoint, monkeypatch: pytest.MonkeyPatch
):
    # Given an endpoint that never answers, and a script with 1.5 s left
    _pointed_at(silent_endpoint.url, monkeypatch)

    # When
    with pytest.raises(ActionLimitError) as error:
        perform("start_pipeline", {"name": "deploy"}, timeout=1.5)

    # Then the call took the 1 s bucket, and was not retried
    assert str(error.value) == (
        f"aws.start_pipeline: no answer from codepipeline in {REGION} within 1 s"
    )
    assert silent_endpoint.connections() == 1
    wiring.reset()


@pytest.mark.parametrize(
    "part", ["headers", "body", "close", "http10", "chunked"], ids=lambda part: f"trickled {part}"
)
def test_an_endpoint_that_trickles_is_given_up_at_the_deadline(
    part: str, monkeypatch: pytest.MonkeyPatch
):
    # Given an endpoint that answers every request one byte at a time for 20 s, each byte
    # well within botocore's read timeout, and a script with 1.5 s left (the 1 s bucket)
    endpoint = LoopbackServer(every_path=f"/trickle?part={part}&seconds=20").start()
    _pointed_at(f"http://127.0.0.1:{endpoint.port}", monkeypatch)
    clients.timed_client("codepipeline", REGION, 1.0)  # made before the clock: CPU, not network
    try:
        # When
        started = time.monotonic()
        with pytest.raises(ActionLimitError) as error:
            perform("start_pipeline", {"name": "deploy"}, timeout=1.5)

        # Then it ended at the deadline, long before the endpoint would have
        assert time.monotonic() - started < 5.0
        assert str(error.value) == (
            f"aws.start_pipeline: no answer from codepipeline in {REGION} within 1 s"
        )
        assert endpoint.requests == ["POST /"]
    finally:
        endpoint.stop()
        wiring.reset()


def test_a_service_that_cannot_be_reached_is_an_error(monkeypatch: pytest.MonkeyPatch):
    # Given a loopback port nobody listens on
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]
    _pointed_at(f"http://127.0.0.1:{closed}", monkeypatch)

    # When / Then
    with pytest.raises(ActionError) as error:
        perform("start_pipeline", {"name": "deploy"})
    assert str(error.value) == f"aws.start_pipeline: could not reach codepipeline in {REGION}"
    wiring.reset()
