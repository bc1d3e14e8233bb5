"""`aws`: the AWS actions a function script may ask the engine to perform on its behalf.

`parse_action(name, arguments)` validates a script's call (strict types, bounded sizes,
refused past the service's own limit before any request is made: `aws_arguments`) into an
`AwsAction`, which names its target and describes itself in one line ("would call" in dry
runs). `AwsPerformer` performs one: the target must be listed in the deployment's allow-list
(`aws_targets`), and what the action overrides in the target's configuration allowed by the
override lists (`aws_overrides`); then the call goes through the `AwsCaller` port (boto3 in
`adapters/aws_actions.py`) and comes back as a small JSON result.
"""

from __future__ import annotations

import json
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Self

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError, model_validator
from pydantic_core import ErrorDetails

from webhook_engine.actions import aws_targets as kinds
from webhook_engine.actions.aws_arguments import (
    ASYNC_PAYLOAD_LIMIT,
    ENV_VARIABLES_LIMIT,
    EVENT_ENTRY_LIMIT,
    EXECUTION_INPUT_LIMIT,
    KIB,
    MESSAGE_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    Body,
    EnvName,
    EnvValue,
    JsonObjectText,
    JsonText,
    Line,
    Name,
    SizeLimit,
    Subject,
)
from webhook_engine.actions.aws_overrides import (
    BUILD_ENVIRONMENT,
    BUILD_SOURCE_VERSION,
    Override,
    OverrideList,
)
from webhook_engine.actions.aws_targets import AllowList, Kind, Target
from webhook_engine.actions.calls import Performed
from webhook_engine.actions.errors import ActionError, ActionLimitError
from webhook_engine.domain.clipping import clip

RESPONSE_PAYLOAD_LIMIT = 256 * KIB  # what a waited invocation may answer, for the script
ERROR_TEXT_LIMIT = 300  # of an invoked function's error, as the script sees it
DEFAULT_SOURCE = "incoming-webhooks"

type Result = dict[str, JsonValue]


@dataclass(frozen=True)
class AwsRequest:
    """One AWS API call, as `AwsCaller` makes it: the boto3 client and method, in the
    target's region. `read_limit` bounds what is read of a streamed answer."""

    action: str
    service: str
    region: str
    method: str
    params: dict[str, Any] = field(repr=False)
    read_limit: int = 0


class AwsCaller(Protocol):
    def call(self, request: AwsRequest, timeout: float) -> Mapping[str, Any]:
        """Make the call within `timeout` seconds; ActionError naming `request.action` if AWS
        refuses it or cannot be reached. Streamed values come back as bytes."""
        ...


class AwsAction(BaseModel, ABC):
    """A script's call, validated. Subclasses declare the arguments in the order of the
    script's signature, and what the call is."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    action: ClassVar[str]  # as scripts call it: aws.<action>
    kind: ClassVar[Kind]  # of its target
    target_argument: ClassVar[str]  # the argument that names the target
    api: ClassVar[str]  # IAM's name of the call, e.g. codebuild:StartBuild
    service: ClassVar[str]  # boto3's client
    method: ClassVar[str]  # and its method

    @property
    def target(self) -> str:
        """The target as the script named it."""
        return str(getattr(self, self.target_argument))

    def size_limit(self) -> SizeLimit | None:
        """The part of the call the service limits in size, if any."""
        return None

    def overrides(self) -> list[tuple[Override, str]]:
        """What the call overrides in the target's own configuration, each with its kind."""
        return []

    @model_validator(mode="after")
    def _fits(self) -> Self:
        limit = self.size_limit()
        if limit is not None:
            limit.check()
        return self

    def describe(self) -> str:
        """One line for records and dry runs, e.g. `codebuild:StartBuild project=build-web`;
        sizes of bodies, never their content."""
        noun = self.kind.noun.replace(" ", "-")
        limit = self.size_limit()
        size = [f"({limit.size:,} bytes)"] if limit else []
        return " ".join([self.api, f"{noun}={self.target}", *self._details(), *size])

    def _details(self) -> list[str]:
        return []

    def request(self, target: Target) -> AwsRequest:
        """The call that performs the action on the listed `target`."""
        params = self._params(target)
        return AwsRequest(
            self.action, self.service, target.region, self.method, params, self._read_limit()
        )

    @abstractmethod
    def _params(self, target: Target) -> dict[str, Any]: ...

    def _read_limit(self) -> int:
        """How much of a streamed answer the result needs: enough to tell it is too long."""
        return 0

    @abstractmethod
    def result(self, response: Mapping[str, Any]) -> Result:
        """What the script gets back; ActionError if the answer reports a failure."""


class PutEvent(AwsAction):
    action, kind, target_argument = "put_event", kinds.EVENT_BUS, "bus"
    api, service, method = "events:PutEvents", "events", "put_events"

    detail_type: Line
    detail: JsonObjectText
    source: Line | None = None
    bus: Name | None = None

    @model_validator(mode="after")
    def _own_source(self) -> Self:
        if _comparable(self.event_source).startswith("aws."):
            raise ValueError("source: sources starting with 'aws.' are AWS's own")
        return self

    @property
    def event_source(self) -> str:
        return self.source or DEFAULT_SOURCE

    @property
    def target(self) -> str:
        return self.bus or "default"

    def size_limit(self) -> SizeLimit:
        entry = self.event_source + self.detail_type + self.detail
        return SizeLimit("the event entry", entry, EVENT_ENTRY_LIMIT, "EventBridge entries")

    def _details(self) -> list[str]:
        return [f"source={self.event_source}", f"detail-type={self.detail_type}"]

    def _params(self, target: Target) -> dict[str, Any]:
        entry = {
            "Source": self.event_source,
            "DetailType": self.detail_type,
            "Detail": self.detail,
            "EventBusName": target.arn,
        }
        return {"Entries": [entry]}

    def result(self, response: Mapping[str, Any]) -> Result:
        [entry] = response["Entries"]
        if "EventId" not in entry:
            code, message = entry.get("ErrorCode", "Failed"), entry.get("ErrorMessage", "")
            raise ActionError(f"aws.{self.action}: {code}: {message}".strip())
        return {"event_id": entry["EventId"]}


class SendMessage(AwsAction):
    action, kind, target_argument = "send_message", kinds.QUEUE, "queue_url"
    api, service, method = "sqs:SendMessage", "sqs", "send_message"

    queue_url: Name
    body: Body

    def size_limit(self) -> SizeLimit:
        return SizeLimit("body", self.body, MESSAGE_LIMIT, "SQS messages")

    def _params(self, target: Target) -> dict[str, Any]:
        return {"QueueUrl": target.queue_url, "MessageBody": self.body}

    def result(self, response: Mapping[str, Any]) -> Result:
        return {"message_id": response["MessageId"]}


class Publish(AwsAction):
    action, kind, target_argument = "publish", kinds.TOPIC, "topic_arn"
    api, service, method = "sns:Publish", "sns", "publish"

    topic_arn: Name
    message: Body
    subject: Subject | None = None

    def size_limit(self) -> SizeLimit:
        return SizeLimit("message", self.message, MESSAGE_LIMIT, "SNS messages")

    def _details(self) -> list[str]:
        return [f"subject={self.subject}"] if self.subject else []

    def _params(self, target: Target) -> dict[str, Any]:
        subject = {"Subject": self.subject} if self.subject else {}
        return {"TopicArn": target.arn, "Message": self.message, **subject}

    def result(self, response: Mapping[str, Any]) -> Result:
        return {"message_id": response["MessageId"]}


class StartExecution(AwsAction):
    action, kind, target_argument = "start_execution", kinds.STATE_MACHINE, "state_machine_arn"
    api, service, method = "states:StartExecution", "stepfunctions", "start_execution"

    state_machine_arn: Name
    input: JsonText

    def size_limit(self) -> SizeLimit:
        return SizeLimit("input", self.input, EXECUTION_INPUT_LIMIT, "Step Functions inputs")

    def _params(self, target: Target) -> dict[str, Any]:
        return {"stateMachineArn": target.arn, "input": self.input}

    def result(self, response: Mapping[str, Any]) -> Result:
        return {
            "execution_arn": response["executionArn"],
            "start_date": response["startDate"].isoformat(),
        }


class StartBuild(AwsAction):
    """`source_version` (a commit, branch or tag) extends the script contract's
    `start_build(project, env=None)` (docs/guide/scripts.md, "aws"): a push builds the commit it pushed."""

    action, kind, target_argument = "start_build", kinds.BUILD_PROJECT, "project"
    api, service, method = "codebuild:StartBuild", "codebuild", "start_build"

    project: Name
    env: dict[EnvName, EnvValue] | None = None
    source_version: Line | None = None

    @model_validator(mode="after")
    def _env_count(self) -> Self:
        if len(self.env or {}) > ENV_VARIABLES_LIMIT:
            raise ValueError(f"env: more than {ENV_VARIABLES_LIMIT} variables")
        return self

    def overrides(self) -> list[tuple[Override, str]]:
        names = [(BUILD_ENVIRONMENT, name) for name in self.env or {}]
        versions = [(BUILD_SOURCE_VERSION, self.source_version)] if self.source_version else []
        return names + versions

    def _details(self) -> list[str]:
        version = [f"source-version={self.source_version}"] if self.source_version else []
        names = [f"env={','.join(self.env)}"] if self.env else []  # names only: values may be keys
        return [*version, *names]

    def _params(self, target: Target) -> dict[str, Any]:
        params: dict[str, Any] = {"projectName": target.name}
        if self.source_version:
            params["sourceVersion"] = self.source_version
        if self.env:
            params["environmentVariablesOverride"] = [
                {"name": name, "value": value, "type": "PLAINTEXT"}
                for name, value in self.env.items()
            ]
        return params

    def result(self, response: Mapping[str, Any]) -> Result:
        build = response["build"]
        return {"build_id": build["id"], "build_arn": build["arn"]}


class StartPipeline(AwsAction):
    action, kind, target_argument = "start_pipeline", kinds.PIPELINE, "name"
    api, service = "codepipeline:StartPipelineExecution", "codepipeline"
    method = "start_pipeline_execution"

    name: Name

    def _params(self, target: Target) -> dict[str, Any]:
        return {"name": target.name}

    def result(self, response: Mapping[str, Any]) -> Result:
        return {"pipeline_execution_id": response["pipelineExecutionId"]}


class Invoke(AwsAction):
    """`wait=False` queues the invocation (type Event) and answers at once; `wait=True` waits
    for the function's answer (type RequestResponse)."""

    action, kind, target_argument = "invoke", kinds.FUNCTION, "function_name"
    api, service, method = "lambda:InvokeFunction", "lambda", "invoke"

    function_name: Name
    payload: JsonText
    wait: bool = False

    @property
    def invocation_type(self) -> str:
        return "RequestResponse" if self.wait else "Event"

    def size_limit(self) -> SizeLimit:
        if self.wait:
            of = "Lambda invocations (wait=True)"
            return SizeLimit("payload", self.payload, SYNC_PAYLOAD_LIMIT, of)
        return SizeLimit("payload", self.payload, ASYNC_PAYLOAD_LIMIT, "queued Lambda invocations")

    def _details(self) -> list[str]:
        return [f"invocation={self.invocation_type}"]

    def _read_limit(self) -> int:
        return RESPONSE_PAYLOAD_LIMIT if self.wait else 0

    def _params(self, target: Target) -> dict[str, Any]:
        return {
            "FunctionName": target.arn,
            "InvocationType": self.invocation_type,
            "Payload": self.payload.encode(),
        }

    def result(self, response: Mapping[str, Any]) -> Result:
        status: int = response["StatusCode"]
        if not self.wait:
            return {"status_code": status}
        payload: bytes = response.get("Payload", b"")
        if len(payload) > RESPONSE_PAYLOAD_LIMIT:
            raise ActionLimitError(
                f"aws.invoke: {self.function_name} ran, but its answer is over the "
                f"{RESPONSE_PAYLOAD_LIMIT:,}-byte limit of what a script gets back"
            )
        answer = _answer(payload)
        if "FunctionError" in response:
            raise ActionError(f"aws.invoke: {self.function_name} failed: {_function_error(answer)}")
        return {"status_code": status, "payload": answer}


def _comparable(source: str) -> str:
    """An event source as a rule matching it without regard to case or width might: NFKC,
    case-folded, invisible format characters (zero-width spaces...) dropped, spaces stripped."""
    text = unicodedata.normalize("NFKC", source)
    visible = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return unicodedata.normalize("NFKC", visible.casefold()).strip()


def _answer(payload: bytes) -> JsonValue:
    """A function's answer: JSON as data, anything else as text."""
    text = payload.decode(errors="replace")
    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text
    return value


def _function_error(answer: JsonValue) -> str:
    """`errorType: errorMessage` of a function that raised, bounded."""
    if isinstance(answer, dict):
        text = f"{answer.get('errorType', 'Error')}: {answer.get('errorMessage', '')}"
    else:
        text = str(answer)
    return clip(text, ERROR_TEXT_LIMIT)


ACTIONS: dict[str, type[AwsAction]] = {
    model.action: model
    for model in (PutEvent, SendMessage, Publish, StartExecution, StartBuild, StartPipeline, Invoke)
}


def parse_action(action: str, arguments: Mapping[str, object]) -> AwsAction:
    """A script's `aws.<action>(**arguments)` as a validated action; ActionError naming the
    action and the first problems for an unknown action or bad arguments."""
    model = ACTIONS.get(action)
    if model is None:
        raise ActionError(f"aws.{action}: no such action (there are {', '.join(ACTIONS)})")
    try:
        return model.model_validate(dict(arguments))
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors(include_input=False)]
        raise ActionError(f"aws.{action}: {'; '.join(problems[:3])}") from None


def _problem(error: ErrorDetails) -> str:
    """One validation error in the script's terms; never the value it was given."""
    where = ".".join(str(part) for part in error["loc"] if part != "[key]")
    match error["type"]:
        case "missing":
            return f"missing argument {where!r}"
        case "extra_forbidden":
            return f"unexpected argument {where!r}"
        case "value_error":
            reason = str(error.get("ctx", {}).get("error", error["msg"]))
            return f"{where}: {reason}" if where else reason
    return f"{where}: {error['msg']}"


class AwsPerformer:
    """Performs scripts' `aws.<action>` calls (the `Performer` of `actions/calls.py`) on the
    targets the deployment lists, with the overrides it allows, through `caller`."""

    def __init__(
        self, allow_list: AllowList, caller: AwsCaller, overrides: OverrideList | None = None
    ) -> None:
        self._allow_list = allow_list
        self._caller = caller
        self._overrides = overrides or OverrideList({})

    def describe(self, target: str, args: Mapping[str, JsonValue]) -> str:
        """The call in one line, e.g. `codebuild:StartBuild project=build-web`; ActionError for
        bad arguments and ActionRefused for an unlisted target or override, so that a dry run
        meets what a real run would."""
        action = _parsed(target, args)
        self._allowed(action)
        return action.describe()

    def perform(self, target: str, args: Mapping[str, JsonValue], timeout: float) -> Performed:
        """Check, call within `timeout` seconds, and give the script the action's result."""
        action = _parsed(target, args)
        response = self._caller.call(action.request(self._allowed(action)), timeout)
        result = action.result(response)
        status = result.get("status_code")
        return Performed(result, status=status if isinstance(status, int) else None)

    def dry_value(self, target: str, args: Mapping[str, JsonValue]) -> JsonValue:
        return {"dry_run": True}

    def _allowed(self, action: AwsAction) -> Target:
        """The listed target the action reaches; ActionRefused if none, or if the action
        overrides what the deployment does not allow."""
        target = self._allow_list.resolve(action.kind, action.target, action.action)
        self._overrides.check(action.overrides())
        return target


def _parsed(target: str, args: Mapping[str, JsonValue]) -> AwsAction:
    """The action a call target (`aws.start_build`) names, with its arguments."""
    return parse_action(target.removeprefix("aws."), args)
