"""moto's IAM enforcement, made to check what AWS checks for the calls the stack makes, and to
record every check.

moto (5.2) evaluates a caller's identity policies (Allow, Deny, Action and Resource patterns),
but knows the resource of a request only for SQS (by queue URL), S3, some of IAM and STS: for
every other request it checks the action against `*`, which no statement naming an ARN matches. And
it checks the operation's name, where IAM checks other actions for some: each item's action of
a TransactWriteItems, SendMessage for SendMessageBatch, a move task's rights on both queues.
`install` puts both right for the services the stack and its scripts' actions call
(`_REQUIRED`), has moto evaluate each (action, resource) pair with its own evaluator, and
records each decision; requests signed with `root_keys` (the account's own, that provisioning
and the local stack's infrastructure use) are not checked, as AWS does not check an account's
root. A presigned URL is checked as its signer's (moto checks no query signature).

What this does not make moto check (docs/security.md, "Permissions proven"): conditions
(moto evaluates a few keys of trust policies only: an Allow whose condition it cannot evaluate
counts as a Deny), resource-based policies (bucket, queue, key policies), permission
boundaries and SCPs, KMS (SSM and the queues do not call it in moto), Lambda's Invoke (moto's
Lambda checks nothing), and the calls AWS services make with the role (Lambda's logs and
traces, the event source mapping's polling) but what the local poller does.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse

type Pair = tuple[str, str]  # IAM action, resource ARN


@dataclass(frozen=True)
class Check:
    """One decision: the caller's principal, the action and resource checked, the outcome."""

    principal: str
    action: str
    resource: str
    allowed: bool

    def as_list(self) -> list[Any]:
        return [self.principal, self.action, self.resource, self.allowed]


_checks: set[Check] = set()
_lock = threading.Lock()


def checks() -> list[Check]:
    """Every distinct decision taken since `install`."""
    with _lock:
        return sorted(_checks, key=Check.as_list)


def install(root_keys: Iterable[str]) -> None:
    """Check and record every request moto authorizes, but those signed with `root_keys`."""
    root = frozenset(root_keys)

    def authorize(self: BaseResponse, iam_request_cls: type, resource: str = "*") -> None:
        if ActionAuthenticatorMixin.request_count < _enforced_after():
            ActionAuthenticatorMixin.request_count += 1
            return
        headers = _signed_headers(self)
        if _access_key(headers) in root:
            return
        request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=self.raw_path,
            data=self.data,
            body=self.raw_body,
            headers=headers,
            action=self._get_action(),
        )
        if headers is self.headers:  # not a presigned URL: moto checks header signatures only
            request.check_signature()
        _check_each(request, required(self, request._action, resource))

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize  # type: ignore[method-assign,assignment]


def _enforced_after() -> float:
    from moto import settings  # noqa: PLC0415  # read at each request: /moto-api/reset-auth sets it

    return settings.INITIAL_NO_AUTH_ACTION_COUNT


def _check_each(request: Any, pairs: list[Pair]) -> None:
    """moto's evaluation of each pair, in order; the first refusal raises moto's error."""
    principal = request._access_key.arn
    for action, resource in pairs:
        request._action = action
        try:
            request.check_action_permitted(resource)
        except Exception:
            _record(Check(principal, action, resource, allowed=False))
            raise
        _record(Check(principal, action, resource, allowed=True))


def _record(check: Check) -> None:
    with _lock:
        _checks.add(check)


def _signed_headers(response: BaseResponse) -> Any:
    """The request's headers; for a presigned URL (SigV4's X-Amz-Credential or SigV2's
    AWSAccessKeyId), its query's credential as moto reads it from an Authorization header
    (its signature is not checked)."""
    if "Credential=" in str(response.headers.get("Authorization", "")):
        return response.headers
    query = {key.lower(): values[0] for key, values in response.querystring.items() if values}
    key = query.get("awsaccesskeyid")
    scope = f"{key}/00000000/{response.region}/s3/aws4_request" if key else ""
    credential = query.get("x-amz-credential", scope)
    headers = dict(response.headers)
    headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={credential}, Signature=presigned"
    if token := query.get("x-amz-security-token"):
        headers["X-Amz-Security-Token"] = token
    return headers


def _access_key(headers: Any) -> str:
    authorization = str(headers.get("Authorization", ""))
    return authorization.partition("Credential=")[2].partition("/")[0]


def required(response: BaseResponse, action: str, resource: str) -> list[Pair]:
    """The (action, resource) pairs IAM checks for this request."""
    service, _, operation = action.partition(":")
    rule = _REQUIRED.get(service)
    if rule is None:
        return [(action, resource)]
    arn = _ArnMaker(service, response.region, response.current_account)
    return rule(operation, _parameters(response), arn, resource)


def _parameters(response: BaseResponse) -> dict[str, Any]:
    """A request's parameters: a JSON body's, or a query protocol's form (SNS, IAM; moto may
    have read the form into the query string already)."""
    if not response.raw_body:
        return {key: values[0] for key, values in response.querystring.items() if values}
    body = response.raw_body
    try:
        parameters = json.loads(body)
    except ValueError:
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        return {key: values[0] for key, values in form.items()}
    return parameters if isinstance(parameters, dict) else {}


@dataclass(frozen=True)
class _ArnMaker:
    service: str
    region: str
    account: str

    def __call__(self, resource: str) -> str:
        return f"arn:aws:{self.service}:{self.region}:{self.account}:{resource}"


type _Rule = Callable[[str, dict[str, Any], _ArnMaker, str], list[Pair]]

# DynamoDB: the action each item of a transaction stands for.
_TRANSACT_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _dynamodb(operation: str, parameters: dict[str, Any], arn: _ArnMaker, _: str) -> list[Pair]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            (f"dynamodb:{_TRANSACT_ITEMS[kind]}", arn(f"table/{item['TableName']}"))
            for entry in parameters.get("TransactItems", [])
            for kind, item in entry.items()
        ]
    if "RequestItems" in parameters:  # BatchGetItem, BatchWriteItem: each table
        tables = sorted(parameters["RequestItems"])
        return [(f"dynamodb:{operation}", arn(f"table/{table}")) for table in tables]
    table = arn(f"table/{parameters.get('TableName', '*')}")
    if index := parameters.get("IndexName"):
        table = f"{table}/index/{index}"
    return [(f"dynamodb:{operation}", table)]


def _sqs(operation: str, parameters: dict[str, Any], arn: _ArnMaker, queue: str) -> list[Pair]:
    if operation == "StartMessageMoveTask":  # both queues' rights, as SQS checks them
        source = parameters["SourceArn"]
        destination = parameters.get("DestinationArn")
        reads = ("StartMessageMoveTask", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
        pairs = [(f"sqs:{action}", source) for action in reads]
        return pairs + ([("sqs:SendMessage", destination)] if destination else [])
    if operation == "ListMessageMoveTasks":
        return [(f"sqs:{operation}", parameters["SourceArn"])]
    return [(f"sqs:{operation.removesuffix('Batch')}", queue)]


def _ssm(operation: str, parameters: dict[str, Any], arn: _ArnMaker, _: str) -> list[Pair]:
    names = parameters.get("Names") or [parameters.get("Path") or parameters.get("Name", "*")]
    return [(f"ssm:{operation}", arn(f"parameter/{name.lstrip('/')}")) for name in names]


def _kms(operation: str, parameters: dict[str, Any], arn: _ArnMaker, _: str) -> list[Pair]:
    key = str(parameters.get("KeyId", "*"))
    return [(f"kms:{operation}", key if key.startswith("arn:") else arn(f"key/{key}"))]


def _events(operation: str, parameters: dict[str, Any], arn: _ArnMaker, _: str) -> list[Pair]:
    buses = {entry.get("EventBusName", "default") for entry in parameters.get("Entries", [])}
    return [
        (f"events:{operation}", bus if bus.startswith("arn:") else arn(f"event-bus/{bus}"))
        for bus in sorted(buses)
    ]


def _iam(operation: str, parameters: dict[str, Any], arn: _ArnMaker, _: str) -> list[Pair]:
    """A user's or role's own ARN (the admin function reads callers' tags; IAM has no region)."""
    for key, kind in (("UserName", "user"), ("RoleName", "role")):
        if key in parameters:
            return [(f"iam:{operation}", f"arn:aws:iam::{arn.account}:{kind}/{parameters[key]}")]
    return [(f"iam:{operation}", "*")]


def _named(key: str, resource: str) -> _Rule:
    """A service whose request names its target by `key`: an ARN, or a name under `resource`."""

    def rule(operation: str, parameters: dict[str, Any], arn: _ArnMaker, _: str) -> list[Pair]:
        target = str(parameters.get(key, "*"))
        found = target if target.startswith("arn:") else arn(f"{resource}{target}")
        return [(f"{arn.service}:{operation}", found)]

    return rule


_REQUIRED: dict[str, _Rule] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "ssm": _ssm,
    "kms": _kms,
    "iam": _iam,
    "events": _events,
    "states": _named("stateMachineArn", "stateMachine:"),
    "codebuild": _named("projectName", "project/"),
    "codepipeline": _named("name", ""),
    "sns": _named("TopicArn", ""),
}
