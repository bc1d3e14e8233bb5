"""`aws`: the AWS actions a function script may ask the engine to perform on its behalf.

`parse_action(name, arguments)` validates a script's call (strict types, bounded sizes,
refused past the service's own limit before any request is made) into an `AwsAction`, which
names its target and describes itself in one line ("would call" in dry runs). `AwsActions`
performs one: the target must be listed in the deployment's allow-list (`aws_targets`), then
the call goes through the `AwsCaller` port (boto3 in `adapters/aws_actions.py`) and comes
back as a small JSON result.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    JsonValue,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from webhook_engine.toolkit import aws_targets as kinds
from webhook_engine.toolkit.aws_targets import AllowList, Kind, Target
from webhook_engine.toolkit.errors import ActionError, ActionLimitError

KIB = 1024
# The services' own limits, in UTF-8 bytes (a larger request is refused before it is sent).
EVENT_ENTRY_LIMIT = 256 * KIB  # EventBridge: source + detail type + detail of one entry
MESSAGE_LIMIT = 256 * KIB  # SQS message body, SNS message
EXECUTION_INPUT_LIMIT = 256 * KIB  # Step Functions execution input
ASYNC_PAYLOAD_LIMIT = 256 * KIB  # Lambda, invocation type Event
SYNC_PAYLOAD_LIMIT = 6 * KIB * KIB  # Lambda, invocation type RequestResponse
RESPONSE_PAYLOAD_LIMIT = 256 * KIB  # what a waited invocation may answer, for the script
ENV_VARIABLES_LIMIT = 50  # start_build's env entries
ERROR_TEXT_LIMIT = 300  # of an invoked function's error, as the script sees it
DEFAULT_SOURCE = "incoming-webhooks"


def _encodable(text: str) -> str:
    """Text that is valid Unicode (JSON may carry lone surrogates, which AWS cannot take)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode (a lone surrogate)") from None
    return text


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line")
    return _encodable(text)


def _subject(text: str) -> str:
    """SNS: up to 100 printable ASCII characters, starting with a visible one."""
    if not re.fullmatch(r"[!-~][ -~]{0,99}", text):
        raise ValueError("must be 1 to 100 printable ASCII characters, not starting with a space")
    return text


def _env_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", name):
        raise ValueError(f"{name!r} is not a variable name")
    if name.startswith("CODEBUILD_"):
        raise ValueError(f"{name} starts with CODEBUILD_, which CodeBuild keeps for itself")
    return name


def _json_text(value: object) -> object:
    """A dict or list as compact JSON text; a str must already be JSON text."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except (ValueError, RecursionError):
            raise ValueError(
                "a str must be JSON text (pass a dict or a list to encode it)"
            ) from None
        return value
    if not isinstance(value, dict | list):
        raise ValueError("must be a dict, a list or JSON text")
    return _dumps(value)


def _json_object_text(value: object) -> object:
    """An EventBridge detail: a JSON object, as a dict or as text."""
    text = _json_text(value)
    if not isinstance(json.loads(str(text)), dict):
        raise ValueError("must be a JSON object (a dict)")
    return text


def _text_or_json(value: object) -> object:
    """A message body: a str as it is, a dict or a list as JSON."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict | list):
        raise ValueError("must be a str, a dict or a list")
    return _dumps(value)


def _dumps(value: dict[Any, Any] | list[Any]) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise ValueError("not JSON (NaN, infinity, nesting too deep or another type)") from None


def _size(text: str) -> int:
    return len(text.encode())


def _within(what: str, text: str, limit: int, of: str) -> None:
    """`text` fits the `limit` of `of` (e.g. "SQS messages"), or ValueError naming both."""
    size = _size(text)
    if size > limit:
        raise ValueError(f"{what} is {size:,} bytes, over the {limit:,}-byte limit of {of}")


type Name = Annotated[
    str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_encodable)
]
type Line = Annotated[
    str, StringConstraints(min_length=1, max_length=256), AfterValidator(_one_line)
]
type Subject = Annotated[str, AfterValidator(_subject)]
type JsonText = Annotated[str, BeforeValidator(_json_text), AfterValidator(_encodable)]
type JsonObjectText = Annotated[str, BeforeValidator(_json_object_text), AfterValidator(_encodable)]
type Body = Annotated[str, BeforeValidator(_text_or_json), AfterValidator(_encodable)]
type EnvName = Annotated[str, AfterValidator(_env_name)]
type EnvValue = Annotated[str, StringConstraints(max_length=4096), AfterValidator(_encodable)]


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


type Result = dict[str, JsonValue]


class AwsAction(BaseModel, ABC):
    """A script's call, validated. Subclasses declare the arguments in the order of the
    script's signature."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    action: ClassVar[str]  # as scripts call it: aws.<action>
    kind: ClassVar[Kind]  # of its target
    api: ClassVar[str]  # IAM's name of the call, e.g. codebuild:StartBuild

    @property
    @abstractmethod
    def target(self) -> str:
        """The target as the script named it."""

    def describe(self) -> str:
        """One line for records and dry runs, e.g. `codebuild:StartBuild project=build-web`."""
        noun = self.kind.noun.replace(" ", "-")
        return " ".join([self.api, f"{noun}={self.target}", *self._details()])

    def _details(self) -> list[str]:
        return []

    @abstractmethod
    def request(self, target: Target) -> AwsRequest:
        """The call that performs the action on the listed `target`."""

    @abstractmethod
    def result(self, response: Mapping[str, Any]) -> Result:
        """What the script gets back; ActionError if the answer reports a failure."""

    def _request(self, target: Target, method: str, service: str, **params: Any) -> AwsRequest:
        return AwsRequest(self.action, service, target.region, method, params)


def _bytes(text: str) -> str:
    return f"({_size(text):,} bytes)"


class PutEvent(AwsAction):
    action = "put_event"
    kind = kinds.EVENT_BUS
    api = "events:PutEvents"

    detail_type: Line
    detail: JsonObjectText
    source: Line | None = None
    bus: Name | None = None

    @model_validator(mode="after")
    def _entry_size(self) -> PutEvent:
        entry = self.event_source + self.detail_type + self.detail
        _within("the event entry", entry, EVENT_ENTRY_LIMIT, "EventBridge entries")
        if self.event_source.startswith("aws."):
            raise ValueError("source: sources starting with 'aws.' are AWS's own")
        return self

    @property
    def event_source(self) -> str:
        return self.source or DEFAULT_SOURCE

    @property
    def target(self) -> str:
        return self.bus or "default"

    def _details(self) -> list[str]:
        return [
            f"source={self.event_source}",
            f"detail-type={self.detail_type}",
            _bytes(self.detail),
        ]

    def request(self, target: Target) -> AwsRequest:
        entry = {
            "Source": self.event_source,
            "DetailType": self.detail_type,
            "Detail": self.detail,
            "EventBusName": target.arn,
        }
        return self._request(target, "put_events", "events", Entries=[entry])

    def result(self, response: Mapping[str, Any]) -> Result:
        [entry] = response["Entries"]
        if "EventId" not in entry:
            code, message = entry.get("ErrorCode", "Failed"), entry.get("ErrorMessage", "")
            raise ActionError(f"aws.{self.action}: {code}: {message}".strip())
        return {"event_id": entry["EventId"]}


class SendMessage(AwsAction):
    action = "send_message"
    kind = kinds.QUEUE
    api = "sqs:SendMessage"

    queue_url: Name
    body: Body

    @model_validator(mode="after")
    def _body_size(self) -> SendMessage:
        _within("body", self.body, MESSAGE_LIMIT, "SQS messages")
        return self

    @property
    def target(self) -> str:
        return self.queue_url

    def _details(self) -> list[str]:
        return [_bytes(self.body)]

    def request(self, target: Target) -> AwsRequest:
        return self._request(
            target, "send_message", "sqs", QueueUrl=target.queue_url, MessageBody=self.body
        )

    def result(self, response: Mapping[str, Any]) -> Result:
        return {"message_id": response["MessageId"]}


class Publish(AwsAction):
    action = "publish"
    kind = kinds.TOPIC
    api = "sns:Publish"

    topic_arn: Name
    message: Body
    subject: Subject | None = None

    @model_validator(mode="after")
    def _message_size(self) -> Publish:
        _within("message", self.message, MESSAGE_LIMIT, "SNS messages")
        return self

    @property
    def target(self) -> str:
        return self.topic_arn

    def _details(self) -> list[str]:
        subject = [f"subject={self.subject}"] if self.subject else []
        return [*subject, _bytes(self.message)]

    def request(self, target: Target) -> AwsRequest:
        subject = {"Subject": self.subject} if self.subject else {}
        return self._request(
            target, "publish", "sns", TopicArn=target.arn, Message=self.message, **subject
        )

    def result(self, response: Mapping[str, Any]) -> Result:
        return {"message_id": response["MessageId"]}


class StartExecution(AwsAction):
    action = "start_execution"
    kind = kinds.STATE_MACHINE
    api = "states:StartExecution"

    state_machine_arn: Name
    input: JsonText

    @model_validator(mode="after")
    def _input_size(self) -> StartExecution:
        _within("input", self.input, EXECUTION_INPUT_LIMIT, "Step Functions inputs")
        return self

    @property
    def target(self) -> str:
        return self.state_machine_arn

    def _details(self) -> list[str]:
        return [_bytes(self.input)]

    def request(self, target: Target) -> AwsRequest:
        return self._request(
            target,
            "start_execution",
            "stepfunctions",
            stateMachineArn=target.arn,
            input=self.input,
        )

    def result(self, response: Mapping[str, Any]) -> Result:
        return {
            "execution_arn": response["executionArn"],
            "start_date": response["startDate"].isoformat(),
        }


class StartBuild(AwsAction):
    """`source_version` (a commit, branch or tag) extends DESIGN's `start_build(project,
    env=None)`: a push builds the commit it pushed."""

    action = "start_build"
    kind = kinds.BUILD_PROJECT
    api = "codebuild:StartBuild"

    project: Name
    env: dict[EnvName, EnvValue] | None = None
    source_version: Line | None = None

    @model_validator(mode="after")
    def _env_count(self) -> StartBuild:
        if len(self.env or {}) > ENV_VARIABLES_LIMIT:
            raise ValueError(f"env: more than {ENV_VARIABLES_LIMIT} variables")
        return self

    @property
    def target(self) -> str:
        return self.project

    def _details(self) -> list[str]:
        version = [f"source-version={self.source_version}"] if self.source_version else []
        names = [f"env={','.join(self.env)}"] if self.env else []  # names only: values may be keys
        return [*version, *names]

    def request(self, target: Target) -> AwsRequest:
        params: dict[str, Any] = {"projectName": target.name}
        if self.source_version:
            params["sourceVersion"] = self.source_version
        if self.env:
            params["environmentVariablesOverride"] = [
                {"name": name, "value": value, "type": "PLAINTEXT"}
                for name, value in self.env.items()
            ]
        return self._request(target, "start_build", "codebuild", **params)

    def result(self, response: Mapping[str, Any]) -> Result:
        build = response["build"]
        return {"build_id": build["id"], "build_arn": build["arn"]}


class StartPipeline(AwsAction):
    action = "start_pipeline"
    kind = kinds.PIPELINE
    api = "codepipeline:StartPipelineExecution"

    name: Name

    @property
    def target(self) -> str:
        return self.name

    def request(self, target: Target) -> AwsRequest:
        return self._request(target, "start_pipeline_execution", "codepipeline", name=target.name)

    def result(self, response: Mapping[str, Any]) -> Result:
        return {"pipeline_execution_id": response["pipelineExecutionId"]}


class Invoke(AwsAction):
    """`wait=False` queues the invocation (type Event) and answers at once; `wait=True` waits
    for the function's answer (type RequestResponse)."""

    action = "invoke"
    kind = kinds.FUNCTION
    api = "lambda:InvokeFunction"

    function_name: Name
    payload: JsonText
    wait: bool = False

    @model_validator(mode="after")
    def _payload_size(self) -> Invoke:
        if self.wait:
            _within("payload", self.payload, SYNC_PAYLOAD_LIMIT, "Lambda invocations (wait=True)")
        else:
            _within("payload", self.payload, ASYNC_PAYLOAD_LIMIT, "queued Lambda invocations")
        return self

    @property
    def target(self) -> str:
        return self.function_name

    @property
    def invocation_type(self) -> str:
        return "RequestResponse" if self.wait else "Event"

    def _details(self) -> list[str]:
        return [f"invocation={self.invocation_type}", _bytes(self.payload)]

    def request(self, target: Target) -> AwsRequest:
        call = self._request(
            target,
            "invoke",
            "lambda",
            FunctionName=target.arn,
            InvocationType=self.invocation_type,
            Payload=self.payload.encode(),
        )
        return replace(call, read_limit=RESPONSE_PAYLOAD_LIMIT if self.wait else 0)

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
    return text[:ERROR_TEXT_LIMIT]


ACTIONS: dict[str, type[AwsAction]] = {
    action.action: action
    for action in (
        PutEvent,
        SendMessage,
        Publish,
        StartExecution,
        StartBuild,
        StartPipeline,
        Invoke,
    )
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


class AwsActions:
    """Performs actions on the targets the deployment lists, through `caller`."""

    def __init__(self, allow_list: AllowList, caller: AwsCaller) -> None:
        self._allow_list = allow_list
        self._caller = caller

    def check(self, action: AwsAction) -> Target:
        """The listed target the action would reach; ActionRefused if none."""
        return self._allow_list.resolve(action.kind, action.target, action.action)

    def perform(self, action: AwsAction, timeout: float) -> Result:
        """Check, call within `timeout` seconds, and return the action's result."""
        response = self._caller.call(action.request(self.check(action)), timeout)
        return action.result(response)
