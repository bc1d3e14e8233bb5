"""What `aws` actions may reach: the ARNs the deployment lists (one template parameter per kind
of target, empty by default) and the forms a script may name a target by.

A script names a target by its ARN or its name, a queue also by its URL, a Lambda function
also by `name:qualifier` or the partial ARN `account:function:name`. A reference matches the
listed ARNs that agree with every part it gives (a name alone leaves region and account
open); exactly one must match. The call then goes to the listed ARN's region and names the
listed resource, never a host or an account the script wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from webhook_engine.actions.errors import ActionError, ActionRefused

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)"
    r":(?P<account>\d{12}):(?P<resource>.+)"
)
# Hosts of SQS queue URLs: sqs.<region>.amazonaws.com[.cn] and the legacy <region>.queue...
_QUEUE_HOST = re.compile(
    r"(?:sqs(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)"
    r"|(?P<legacy>[a-z]{2}(?:-[a-z]+)+-\d)\.queue)\.amazonaws\.com(?:\.cn)?"
)
_PARTIAL_FUNCTION_ARN = re.compile(r"(?P<account>\d{12}):function:(?P<name>.+)")


@dataclass(frozen=True)
class Kind:
    """A kind of target: the template parameter listing it, and the shape of its ARN."""

    parameter: str  # the template parameter, e.g. ActionBuildProjectArns
    noun: str  # in messages: "project"
    service: str  # the ARN's service
    prefix: str  # what precedes the name in the ARN's resource
    name: re.Pattern[str]  # a valid name (with its qualifier, where there is one)

    @property
    def setting(self) -> str:
        """The Settings field (and, upper case, the environment variable) holding the list."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.parameter).lower()


EVENT_BUS = Kind(
    "ActionEventBusArns", "event bus", "events", "event-bus/", re.compile(r"[A-Za-z0-9._/-]{1,256}")
)
# FIFO queues and topics can be listed, but these actions send no message group: AWS refuses.
QUEUE = Kind("ActionQueueArns", "queue", "sqs", "", re.compile(r"[A-Za-z0-9_-]{1,80}(?:\.fifo)?"))
TOPIC = Kind("ActionTopicArns", "topic", "sns", "", re.compile(r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?"))
STATE_MACHINE = Kind(
    "ActionStateMachineArns",
    "state machine",
    "states",
    "stateMachine:",
    re.compile(r"[A-Za-z0-9_-]{1,80}(?::[A-Za-z0-9_-]{1,80})?"),  # a version or an alias
)
BUILD_PROJECT = Kind(
    "ActionBuildProjectArns",
    "project",
    "codebuild",
    "project/",
    re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,254}"),
)
PIPELINE = Kind(
    "ActionPipelineArns", "pipeline", "codepipeline", "", re.compile(r"[A-Za-z0-9.@_-]{1,100}")
)
FUNCTION = Kind(
    "ActionFunctionArns",
    "function",
    "lambda",
    "function:",
    re.compile(r"[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?"),  # a qualifier
)
KINDS = (EVENT_BUS, QUEUE, TOPIC, STATE_MACHINE, BUILD_PROJECT, PIPELINE, FUNCTION)


@dataclass(frozen=True)
class Target:
    """A listed ARN: what an action reaches once its reference matched."""

    kind: Kind
    arn: str
    partition: str
    region: str
    account: str
    name: str  # with its qualifier, if the ARN has one

    @property
    def queue_url(self) -> str:
        suffix = ".cn" if self.partition == "aws-cn" else ""
        return f"https://sqs.{self.region}.amazonaws.com{suffix}/{self.account}/{self.name}"


@dataclass(frozen=True)
class Reference:
    """How a script named a target: None leaves that part open."""

    name: str
    region: str | None = None
    account: str | None = None
    partition: str | None = None

    def matches(self, target: Target) -> bool:
        wanted = (self.name, self.region, self.account, self.partition)
        listed = (target.name, target.region, target.account, target.partition)
        return all(want in (None, have) for want, have in zip(wanted, listed, strict=True))


def listed_target(kind: Kind, arn: str) -> Target:
    """The target a listed ARN stands for; ValueError if it is not an ARN of `kind` (an ARN
    with wildcards included: the engine compares names, it does not match patterns)."""
    target = _arn_target(kind, arn)
    if target is None:
        raise ValueError(f"{kind.parameter}: {arn!r} is not the ARN of a {kind.noun}")
    return target


def reference(kind: Kind, given: str, action: str) -> Reference:
    """Read a script's name for a target; ActionError if it is none of the accepted forms."""
    found = _reference(kind, given)
    if found is None:
        raise ActionError(f"aws.{action}: {given!r} is not a {kind.noun} name or ARN")
    return found


def _reference(kind: Kind, given: str) -> Reference | None:
    if given.startswith("arn:"):
        target = _arn_target(kind, given)
        if target is None:
            return None
        return Reference(target.name, target.region, target.account, target.partition)
    if kind is QUEUE and given.startswith(("https://", "http://")):
        return _queue_url(given)
    if kind is FUNCTION and (partial := _PARTIAL_FUNCTION_ARN.fullmatch(given)):
        return _named(kind, partial["name"], account=partial["account"])
    return _named(kind, given)


def _arn_target(kind: Kind, arn: str) -> Target | None:
    parts = _ARN.fullmatch(arn)
    if parts is None or parts["service"] != kind.service:
        return None
    resource = parts["resource"]
    name = resource.removeprefix(kind.prefix)
    if not resource.startswith(kind.prefix) or not kind.name.fullmatch(name):
        return None
    return Target(kind, arn, parts["partition"], parts["region"], parts["account"], name)


def _queue_url(url: str) -> Reference | None:
    """`https://sqs.<region>.amazonaws.com/<account>/<name>`; any other host (a local
    endpoint) leaves the region open."""
    parts = urlsplit(url)
    path = parts.path.strip("/").split("/")
    if len(path) != 2 or not re.fullmatch(r"\d{12}", path[0]) or parts.query:
        return None
    host = _QUEUE_HOST.fullmatch(parts.hostname or "")
    region = (host["region"] or host["legacy"]) if host else None
    return _named(QUEUE, path[1], region=region, account=path[0])


def _named(
    kind: Kind, name: str, region: str | None = None, account: str | None = None
) -> Reference | None:
    return Reference(name, region, account) if kind.name.fullmatch(name) else None


class AllowList:
    """The ARNs each kind of action may reach; a kind with none reaches nothing."""

    def __init__(self, listed: Mapping[Kind, Sequence[str]]) -> None:
        self._targets = {
            kind: tuple(listed_target(kind, arn) for arn in listed.get(kind, ())) for kind in KINDS
        }

    def resolve(self, kind: Kind, given: str, action: str) -> Target:
        """The one listed target `given` names; ActionRefused if none (or several) do."""
        wanted = reference(kind, given, action)
        found = [target for target in self._targets[kind] if wanted.matches(target)]
        if not found:
            raise ActionRefused(
                f"aws.{action}: {kind.noun} {given} is not listed in {kind.parameter}"
            )
        if len(found) > 1:
            raise ActionRefused(
                f"aws.{action}: {kind.noun} {given} matches {len(found)} entries of "
                f"{kind.parameter} (other regions or accounts); name it by its ARN"
            )
        return found[0]
