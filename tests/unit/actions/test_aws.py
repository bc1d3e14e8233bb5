"""`aws` actions without AWS: parsing a script's call (unknown actions, wrong types, sizes past
the services' limits), the one-line descriptions, the requests they make of the listed targets,
and how answers become results or errors. The calls themselves are on moto, in
tests/integration/test_aws_actions.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes import FakeAwsCaller
from webhook_engine.actions.aws import ACTIONS, RESPONSE_PAYLOAD_LIMIT, AwsPerformer, parse_action
from webhook_engine.actions.aws_arguments import (
    ASYNC_PAYLOAD_LIMIT,
    EVENT_ENTRY_LIMIT,
    EXECUTION_INPUT_LIMIT,
    MESSAGE_LIMIT,
    SYNC_PAYLOAD_LIMIT,
)
from webhook_engine.actions.aws_overrides import (
    BUILD_ENVIRONMENT,
    BUILD_SOURCE_VERSION,
    OverrideList,
)
from webhook_engine.actions.aws_targets import BUILD_PROJECT, KINDS, AllowList, Kind
from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ARNS = {
    "put_event": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
    "send_message": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs",
    "publish": f"arn:aws:sns:{REGION}:{ACCOUNT}:news",
    "start_execution": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:flow",
    "start_build": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/build-web",
    "start_pipeline": f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:deploy",
    "invoke": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notify",
}
# One valid call of each action, as a script makes it.
CALLS: dict[str, dict[str, Any]] = {
    "put_event": {"detail_type": "push", "detail": {"ref": "main"}},
    "send_message": {
        "queue_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs",
        "body": "hi",
    },
    "publish": {"topic_arn": ARNS["publish"], "message": {"ok": True}, "subject": "Build"},
    "start_execution": {"state_machine_arn": "flow", "input": {"n": 1}},
    "start_build": {"project": "build-web", "env": {"BRANCH": "main"}},
    "start_pipeline": {"name": "deploy"},
    "invoke": {"function_name": "notify", "payload": [1, 2]},
}
ANSWERS: dict[str, dict[str, Any]] = {
    "put_events": {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]},
    "send_message": {"MessageId": "m-1", "MD5OfMessageBody": "x"},
    "publish": {"MessageId": "m-2"},
    "start_execution": {
        "executionArn": "arn:exec",
        "startDate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    },
    "start_build": {"build": {"id": "build-web:1", "arn": "arn:build", "phases": []}},
    "start_pipeline_execution": {"pipelineExecutionId": "p-1"},
    "invoke": {"StatusCode": 202, "Payload": b""},
}
KIND_OF = {action: model.kind for action, model in ACTIONS.items()}


def listed(*actions: str) -> AllowList:
    return AllowList({KIND_OF[action]: [ARNS[action]] for action in actions})


# The overrides the calls here make (aws_overrides is tested in test_aws_overrides.py).
OVERRIDES = OverrideList(
    {BUILD_ENVIRONMENT: ["BRANCH", "TOKEN"], BUILD_SOURCE_VERSION: ["[0-9a-f]{6}[0-9a-f]*"]}
)


def performer(caller: FakeAwsCaller, allow_list: AllowList | None = None) -> AwsPerformer:
    return AwsPerformer(allow_list or listed(*ARNS), caller, OVERRIDES)


def perform(
    caller: FakeAwsCaller,
    action: str,
    arguments: dict[str, Any],
    timeout: float = 10.0,
    allow_list: AllowList | None = None,
) -> Any:
    """The call as the toolkit makes it: target `aws.<action>`, keyword arguments as JSON."""
    return performer(caller, allow_list).perform(f"aws.{action}", arguments, timeout).value


def error_of(action: str, arguments: dict[str, Any]) -> str:
    with pytest.raises(ActionError) as error:
        parse_action(action, arguments)
    return str(error.value)


# parsing: by class of bad call -------------------------------------------------------------


def test_an_unknown_action_names_the_actions_there_are():
    # When
    message = error_of("delete_bucket", {"bucket": "b"})

    # Then
    assert message == (
        "aws.delete_bucket: no such action (there are put_event, send_message, publish, "
        "start_execution, start_build, start_pipeline, invoke)"
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_refuses_unknown_and_missing_arguments(action: str):
    # Given a valid call with one unknown argument, and none at all
    extra = {**CALLS[action], "role_arn": "arn:aws:iam::1:role/admin"}

    # When / Then
    assert error_of(action, extra) == f"aws.{action}: unexpected argument 'role_arn'"
    assert error_of(action, {}).startswith(f"aws.{action}: missing argument ")


@pytest.mark.parametrize(
    ("action", "arguments", "problem"),
    [
        ("start_build", {"project": 7}, "project: Input should be a valid string"),
        (
            "start_build",
            {"project": "p1", "env": ["A=1"]},
            "env: Input should be a valid dictionary",
        ),
        (
            "start_build",
            {"project": "p1", "env": {"A": 1}},
            "env.A: Input should be a valid string",
        ),
        (
            "invoke",
            {"function_name": "f", "payload": {}, "wait": "yes"},
            "wait: Input should be a valid boolean",
        ),
        (
            "invoke",
            {"function_name": "f", "payload": {}, "wait": 1},
            "wait: Input should be a valid boolean",
        ),
        (
            "invoke",
            {"function_name": "f", "payload": 5},
            "payload: must be a dict, a list or JSON text",
        ),
        ("invoke", {"function_name": "f", "payload": "hello"}, "payload: a str must be JSON text"),
        ("send_message", {"queue_url": "q", "body": 5}, "body: must be a str, a dict or a list"),
        ("send_message", {"queue_url": "q", "body": None}, "body: must be a str, a dict or a list"),
        (
            "put_event",
            {"detail_type": "t", "detail": [1]},
            "detail: must be a JSON object (a dict)",
        ),
        (
            "put_event",
            {"detail_type": "t", "detail": "[1]"},
            "detail: must be a JSON object (a dict)",
        ),
        ("put_event", {"detail_type": "a\nb", "detail": {}}, "detail_type: must be one line"),
        (
            "put_event",
            {"detail_type": "", "detail": {}},
            "detail_type: String should have at least 1 character",
        ),
        (
            "put_event",
            {"detail_type": "t", "detail": {}, "source": "aws.codebuild"},
            "source: sources starting with 'aws.' are AWS's own",
        ),
        (
            "publish",
            {"topic_arn": "t", "message": "m", "subject": " leading space"},
            "subject: must be 1 to 100 printable ASCII",
        ),
        (
            "publish",
            {"topic_arn": "t", "message": "m", "subject": "x" * 101},
            "subject: must be 1 to 100 printable ASCII",
        ),
        (
            "start_build",
            {"project": "p1", "env": {"CODEBUILD_BUILD_ID": "x"}},
            "env.CODEBUILD_BUILD_ID: CODEBUILD_BUILD_ID starts with CODEBUILD_",
        ),
        (
            "start_build",
            {"project": "p1", "env": {"1A": "x"}},
            "env.1A: '1A' is not a variable name",
        ),
        (
            "start_build",
            {"project": "p1", "env": {f"V{n}": "x" for n in range(51)}},
            "env: more than 50 variables",
        ),
        (
            "start_pipeline",
            {"name": "n" * 2049},
            "name: String should have at most 2048 characters",
        ),
    ],
)
def test_wrong_arguments_are_an_error_naming_the_argument(
    action: str, arguments: dict[str, Any], problem: str
):
    # When
    message = error_of(action, arguments)

    # Then
    assert message.startswith(f"aws.{action}: {problem}")


@pytest.mark.parametrize(
    "value",
    [
        {"a": float("nan")},  # JSON frames may carry NaN; AWS takes only JSON
        {"a": float("inf")},
        {"a": {1, 2}},
        {"a": "\ud800"},  # a lone surrogate, valid in JSON text, not in UTF-8
    ],
    ids=["nan", "infinity", "set", "surrogate"],
)
def test_values_that_are_not_json_are_refused(value: dict[str, Any]):
    # When
    message = error_of("start_execution", {"state_machine_arn": "flow", "input": value})

    # Then
    assert message.startswith("aws.start_execution: input: not")


def test_nesting_too_deep_is_refused_not_crashing():
    # Given a payload nested deeper than the interpreter's recursion limit
    deep: list[Any] = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]

    # When / Then
    assert error_of("invoke", {"function_name": "f", "payload": deep}) == (
        "aws.invoke: payload: not JSON (NaN, infinity, nesting too deep or another type)"
    )
    text = "[" * 100_000 + "]" * 100_000
    assert "a str must be JSON text" in error_of("invoke", {"function_name": "f", "payload": text})


def test_errors_never_repeat_the_values_they_refuse():
    # Given a secret in a wrongly typed argument and beside an unknown one
    secret = "ghp_s3cr3t-token"
    calls = [
        ("start_build", {"project": "p1", "env": {"TOKEN": [secret]}}),
        ("start_build", {"project": secret * 200}),
        ("publish", {"topic_arn": "t", "message": "m", "subject": secret + "\n"}),
        ("invoke", {"function_name": "f", "payload": secret}),
    ]

    # When
    messages = [error_of(action, arguments) for action, arguments in calls]

    # Then
    assert all(secret not in message for message in messages), messages


# sizes: each service's limit, in UTF-8 bytes ----------------------------------------------


def _sized(bytes_: int) -> str:
    """A string of exactly `bytes_` UTF-8 bytes, made of two-byte characters where it can."""
    return "é" * (bytes_ // 2) + "x" * (bytes_ % 2)


@pytest.mark.parametrize(
    ("action", "argument", "limit", "arguments"),
    [
        ("send_message", "body", MESSAGE_LIMIT, {"queue_url": "q"}),
        ("publish", "message", MESSAGE_LIMIT, {"topic_arn": "t"}),
    ],
)
def test_a_message_up_to_the_limit_passes_and_one_byte_more_is_refused(
    action: str, argument: str, limit: int, arguments: dict[str, Any]
):
    # When
    fits = parse_action(action, {**arguments, argument: _sized(limit)})
    message = error_of(action, {**arguments, argument: _sized(limit + 1)})

    # Then the limit counts UTF-8 bytes and names itself
    assert len(getattr(fits, argument)) < limit
    assert message == (
        f"aws.{action}: {argument} is {limit + 1:,} bytes, over the {limit:,}-byte limit of "
        f"{'SQS' if action == 'send_message' else 'SNS'} messages"
    )


@pytest.mark.parametrize(
    ("action", "arguments", "limit", "of"),
    [
        (
            "start_execution",
            {"state_machine_arn": "flow"},
            EXECUTION_INPUT_LIMIT,
            "Step Functions inputs",
        ),
        ("invoke", {"function_name": "f"}, ASYNC_PAYLOAD_LIMIT, "queued Lambda invocations"),
        (
            "invoke",
            {"function_name": "f", "wait": True},
            SYNC_PAYLOAD_LIMIT,
            "Lambda invocations (wait=True)",
        ),
    ],
)
def test_json_documents_are_measured_as_sent(
    action: str, arguments: dict[str, Any], limit: int, of: str
):
    # Given JSON text (a string literal) of exactly the limit, and one byte more
    field = "input" if action == "start_execution" else "payload"
    fits, over = (json.dumps("x" * (size - 2)) for size in (limit, limit + 1))

    # When
    parsed = parse_action(action, {**arguments, field: fits})
    message = error_of(action, {**arguments, field: over})

    # Then
    assert len(getattr(parsed, field).encode()) == limit
    assert (
        message
        == f"aws.{action}: {field} is {limit + 1:,} bytes, over the {limit:,}-byte limit of {of}"
    )


def test_an_event_entry_counts_source_detail_type_and_detail():
    # Given a detail that fits alone but not with its source and detail type
    detail = json.dumps({"d": "x" * (EVENT_ENTRY_LIMIT - 10)})

    # When
    message = error_of("put_event", {"detail_type": "push", "detail": detail, "source": "ci"})

    # Then
    assert len(detail.encode()) < EVENT_ENTRY_LIMIT
    entry = len(detail) + len("push") + len("ci")
    assert message == (
        f"aws.put_event: the event entry is {entry:,} bytes, "
        "over the 262,144-byte limit of EventBridge entries"
    )


def test_a_queued_invocation_is_held_to_the_smaller_limit_than_a_waited_one():
    # Given a payload over the queued limit and under the waited one
    payload = {"data": "x" * ASYNC_PAYLOAD_LIMIT}

    # When / Then
    assert "queued Lambda invocations" in error_of(
        "invoke", {"function_name": "f", "payload": payload}
    )
    assert parse_action("invoke", {"function_name": "f", "payload": payload, "wait": True})


# descriptions: what a dry run says it would call ----------------------------------------


@pytest.mark.parametrize(
    ("action", "line"),
    [
        (
            "put_event",
            "events:PutEvents event-bus=default source=incoming-webhooks detail-type=push (35 bytes)",
        ),
        (
            "send_message",
            f"sqs:SendMessage queue=https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs (2 bytes)",
        ),
        ("publish", f"sns:Publish topic={ARNS['publish']} subject=Build (11 bytes)"),
        ("start_execution", "states:StartExecution state-machine=flow (7 bytes)"),
        ("start_build", "codebuild:StartBuild project=build-web env=BRANCH"),
        ("start_pipeline", "codepipeline:StartPipelineExecution pipeline=deploy"),
        ("invoke", "lambda:InvokeFunction function=notify invocation=Event (5 bytes)"),
    ],
)
def test_each_action_describes_itself_in_one_line(action: str, line: str):
    # When
    parsed = parse_action(action, CALLS[action])

    # Then
    assert parsed.describe() == line


def test_a_description_names_env_variables_never_their_values():
    # Given
    call = {"project": "build-web", "env": {"TOKEN": "s3cr3t"}, "source_version": "abc123"}

    # When
    line = parse_action("start_build", call).describe()

    # Then
    assert line == "codebuild:StartBuild project=build-web source-version=abc123 env=TOKEN"


# requests: what each action asks of its listed target ------------------------------------


def test_each_action_calls_its_service_in_the_listed_region_with_the_listed_resource():
    # Given every action listed
    caller = FakeAwsCaller(ANSWERS)

    # When
    for action, arguments in CALLS.items():
        perform(caller, action, arguments, 10.0)

    # Then
    requests = {request.action: request for request, _ in caller.calls}
    assert {request.region for request in requests.values()} == {REGION}
    assert {name: (r.service, r.method) for name, r in requests.items()} == {
        "put_event": ("events", "put_events"),
        "send_message": ("sqs", "send_message"),
        "publish": ("sns", "publish"),
        "start_execution": ("stepfunctions", "start_execution"),
        "start_build": ("codebuild", "start_build"),
        "start_pipeline": ("codepipeline", "start_pipeline_execution"),
        "invoke": ("lambda", "invoke"),
    }
    assert requests["put_event"].params == {
        "Entries": [
            {
                "Source": "incoming-webhooks",
                "DetailType": "push",
                "Detail": '{"ref":"main"}',
                "EventBusName": ARNS["put_event"],
            }
        ]
    }
    assert requests["send_message"].params == {
        "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs",
        "MessageBody": "hi",
    }
    assert requests["publish"].params == {
        "TopicArn": ARNS["publish"],
        "Message": '{"ok":true}',
        "Subject": "Build",
    }
    assert requests["start_execution"].params == {
        "stateMachineArn": ARNS["start_execution"],
        "input": '{"n":1}',
    }
    assert requests["start_build"].params == {
        "projectName": "build-web",
        "environmentVariablesOverride": [{"name": "BRANCH", "value": "main", "type": "PLAINTEXT"}],
    }
    assert requests["start_pipeline"].params == {"name": "deploy"}
    assert requests["invoke"].params == {
        "FunctionName": ARNS["invoke"],
        "InvocationType": "Event",
        "Payload": b"[1,2]",
    }
    assert requests["invoke"].read_limit == 0


def test_a_build_starts_at_the_source_version_given():
    # Given
    caller = FakeAwsCaller(ANSWERS)
    call = {"project": "build-web", "source_version": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}

    # When
    perform(caller, "start_build", call, 10.0)

    # Then
    [(request, _)] = caller.calls
    assert request.params == {
        "projectName": "build-web",
        "sourceVersion": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
    }


def test_a_target_in_another_region_or_account_is_called_there():
    # Given a project listed in another region and account
    arn = "arn:aws:codebuild:ap-south-1:210987654321:project/build-web"
    caller = FakeAwsCaller(ANSWERS)

    # When
    perform(caller, "start_build", {"project": arn}, allow_list=AllowList({BUILD_PROJECT: [arn]}))

    # Then the client is made for the listed region
    [(request, _)] = caller.calls
    assert (request.region, request.params["projectName"]) == ("ap-south-1", "build-web")


def test_the_time_given_is_the_time_the_call_gets():
    # Given
    caller = FakeAwsCaller(ANSWERS)

    # When
    perform(caller, "start_pipeline", {"name": "deploy"}, 4.5)

    # Then
    assert [timeout for _, timeout in caller.calls] == [4.5]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unlisted_target_is_refused_before_any_call(action: str):
    # Given every other kind listed, not this one
    others = [name for name in ARNS if KIND_OF[name] is not KIND_OF[action]]
    caller = FakeAwsCaller(ANSWERS)

    # When
    with pytest.raises(ActionRefused, match=f"is not listed in {KIND_OF[action].parameter}"):
        perform(caller, action, CALLS[action], allow_list=listed(*others))

    # Then
    assert caller.calls == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_dry_run_describes_and_checks_without_calling(kind: Kind):
    # Given
    [action] = [name for name, of in KIND_OF.items() if of is kind]
    caller = FakeAwsCaller(ANSWERS)
    others = [name for name in ARNS if name != action]

    # When
    line = performer(caller).describe(f"aws.{action}", CALLS[action])
    value = performer(caller).dry_value(f"aws.{action}", CALLS[action])

    # Then the line is the action's own, the target is checked, and nothing is called
    assert line == parse_action(action, CALLS[action]).describe()
    assert value == {"dry_run": True}
    with pytest.raises(ActionRefused, match=f"not listed in {kind.parameter}"):
        performer(caller, listed(*others)).describe(f"aws.{action}", CALLS[action])
    with pytest.raises(ActionError, match=f"^aws\\.{action}: unexpected argument 'x'"):
        performer(caller).describe(f"aws.{action}", {**CALLS[action], "x": 1})
    assert caller.calls == []


def test_an_invocation_reports_its_status_code_to_the_record():
    # Given
    caller = FakeAwsCaller(ANSWERS)

    # When
    queued = performer(caller).perform("aws.invoke", CALLS["invoke"], 10.0)
    built = performer(caller).perform("aws.start_build", CALLS["start_build"], 10.0)

    # Then
    assert (queued.status, built.status) == (202, None)


def test_the_script_facade_sends_every_optional_argument_even_when_none():
    # Given what sandbox/actions.py sends for aws.start_build("build-web")
    caller = FakeAwsCaller(ANSWERS)
    arguments = {"project": "build-web", "env": None, "source_version": None}

    # When
    perform(caller, "start_build", arguments)

    # Then the defaults apply
    [(request, _)] = caller.calls
    assert request.params == {"projectName": "build-web"}


# results: what the script gets back ------------------------------------------------------


def test_each_action_returns_a_small_json_result():
    # Given
    caller = FakeAwsCaller(ANSWERS)

    # When
    results = {
        action: perform(caller, action, arguments, 10.0) for action, arguments in CALLS.items()
    }

    # Then
    assert results == {
        "put_event": {"event_id": "e-1"},
        "send_message": {"message_id": "m-1"},
        "publish": {"message_id": "m-2"},
        "start_execution": {
            "execution_arn": "arn:exec",
            "start_date": "2026-01-02T03:04:05+00:00",
        },
        "start_build": {"build_id": "build-web:1", "build_arn": "arn:build"},
        "start_pipeline": {"pipeline_execution_id": "p-1"},
        "invoke": {"status_code": 202},
    }
    assert json.loads(json.dumps(results)) == results


def test_an_event_that_eventbridge_refuses_is_an_error():
    # Given
    failed = {
        "FailedEntryCount": 1,
        "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}],
    }
    caller = FakeAwsCaller({"put_events": failed})

    # When / Then
    with pytest.raises(ActionError, match=r"^aws\.put_event: InternalFailure: try again$"):
        perform(caller, "put_event", CALLS["put_event"], 10.0)


def _waited(payload: bytes, **answer: Any) -> tuple[FakeAwsCaller, dict[str, Any]]:
    caller = FakeAwsCaller({"invoke": {"StatusCode": 200, "Payload": payload, **answer}})
    call = {"function_name": "notify", "payload": {}, "wait": True}
    return caller, call


def test_a_waited_invocation_returns_the_functions_answer():
    # Given
    caller, call = _waited(b'{"ok": true}')

    # When
    result = perform(caller, "invoke", call, 10.0)

    # Then
    [(request, _)] = caller.calls
    assert request.params["InvocationType"] == "RequestResponse"
    assert request.read_limit == RESPONSE_PAYLOAD_LIMIT
    assert result == {"status_code": 200, "payload": {"ok": True}}


def test_an_answer_that_is_not_json_comes_back_as_text():
    # Given
    caller, call = _waited(b"plain \xff text")

    # When
    result = perform(caller, "invoke", call, 10.0)

    # Then
    assert result == {"status_code": 200, "payload": "plain \ufffd text"}


def test_a_function_that_raised_is_an_error_with_its_type_and_message():
    # Given
    answer = json.dumps({"errorType": "KeyError", "errorMessage": "'id'" + "x" * 1000}).encode()
    caller, call = _waited(answer, FunctionError="Unhandled")

    # When
    with pytest.raises(ActionError) as error:
        perform(caller, "invoke", call, 10.0)

    # Then, bounded
    assert str(error.value).startswith("aws.invoke: notify failed: KeyError: 'id'xxx")
    assert len(str(error.value)) < 400


def test_an_answer_over_the_limit_is_a_limit_error_saying_the_function_ran():
    # Given what the adapter reads: one byte more than the limit
    caller, call = _waited(b"x" * (RESPONSE_PAYLOAD_LIMIT + 1))

    # When / Then
    with pytest.raises(ActionLimitError, match="notify ran, but its answer is over the 262,144"):
        perform(caller, "invoke", call, 10.0)
