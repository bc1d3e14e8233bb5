"""template.yaml for the local stack: moto's CloudFormation creates the resources it models,
and this module reads what only SAM declares (functions, handlers, limits, events, environment).

`provision` derives a plain CloudFormation template (the parameters, conditions and the
resources of `LOCAL_TYPES`), adds outputs so that moto itself evaluates each function's
environment variables and the ARNs of the queues that feed functions, creates the stack in
moto and reads the answers back. moto 5.2's CloudFormation leaves three properties of ours out
(see `_COMPLETIONS`); those are applied with one API call each once the stack exists.
"""

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import boto3
import yaml

from webhook_engine.actions.aws_overrides import OVERRIDES
from webhook_engine.actions.aws_targets import KINDS

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
# The configuration the local stack applies unless WEBHOOKS_CONFIG names another.
EXAMPLE_CONFIG = TEMPLATE_PATH.parent / "examples" / "config.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account
# The IAM user the local stack's admin token stands for (webhooks_testbed.authorizer), and
# its role: the admin token does everything, as it always did.
LOCAL_USER = "local-operator"
LOCAL_USER_ROLE = "editor"

# The template's resource types that moto's CloudFormation creates. The others (APIs,
# functions, layer, alarms, the bucket policy, subscriptions) are played by the local stack
# itself or have no local effect.
LOCAL_TYPES = frozenset({
    "AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::S3::Bucket", "AWS::SNS::Topic",
    "AWS::SQS::Queue", "AWS::SSM::Parameter",
})  # fmt: skip
_SECTIONS = ("Parameters", "Mappings", "Conditions")  # copied as they are
# The template parameters `make serve` takes from its environment (variable -> parameter), e.g.
# WEBHOOKS_ACTION_BUILD_PROJECT_ARNS for ActionBuildProjectArns.
LOCAL_PARAMETERS = {
    "WEBHOOKS_HTTP_ALLOWED_HOSTS": "HttpAllowedHosts",
    "WEBHOOKS_SANDBOX_KERNEL_WALLS": "SandboxKernelWalls",
    **{f"WEBHOOKS_{kind.setting.upper()}": kind.parameter for kind in KINDS},
    **{f"WEBHOOKS_{item.setting.upper()}": item.parameter for item in OVERRIDES},
}
# What the local stack sets where the template's default is empty, unless its environment says
# otherwise: the overrides that the example configuration's "GitHub - git/push - build" makes
# (the push's ref and message id as variables, the pushed commit as source version).
LOCAL_DEFAULTS = {
    "ActionBuildEnvironmentVariables": "GIT_REF,WEBHOOK_MESSAGE_ID",
    "ActionBuildSourceVersions": "[0-9a-f]{40}",
}


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short-form tags (`!Ref X`) as their long form."""


def _long_form(loader: yaml.SafeLoader, name: str, node: yaml.Node) -> dict[str, Any]:
    """`!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`, `!Ref A` -> `{"Ref": "A"}`, and so on."""
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name if name in ("Ref", "Condition") else f"Fn::{name}": value}


_CloudFormationLoader.add_multi_constructor("!", _long_form)


@functools.cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, intrinsic functions in long form. Cached: do not mutate."""
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_CloudFormationLoader)  # type: ignore[no-any-return]


@dataclass
class ProvisionedStack:
    """What moto's CloudFormation made of the template, as the local stack needs it."""

    stack_name: str
    region: str
    refs: dict[str, str]  # logical id -> physical id (what `Ref` gives)
    attrs: dict[tuple[str, str], str]  # (logical id, attribute) of the queues feeding functions
    environments: dict[str, dict[str, str]]  # function id -> its environment variables
    extra: dict[str, str] = field(default_factory=dict)  # the values of `extra_outputs`


@dataclass(frozen=True)
class EventSpec:
    """A SAM event: `Ref`/`Fn::GetAtt` property values reduced to the logical id they name."""

    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    """What the local stack needs to run one AWS::Serverless::Function."""

    logical_id: str
    handler: str
    code_uri: str
    timeout: int
    memory_size: int
    events: dict[str, EventSpec]


def local_resources(template: dict[str, Any] | None = None) -> frozenset[str]:
    """Logical ids of the resources moto's CloudFormation creates (`LOCAL_TYPES`)."""
    resources = (template or load_template())["Resources"]
    return frozenset(rid for rid, res in resources.items() if res["Type"] in LOCAL_TYPES)


def functions(template: dict[str, Any] | None = None) -> list[str]:
    """Logical ids of the template's functions, in declaration order."""
    resources = (template or load_template())["Resources"]
    return [rid for rid, res in resources.items() if res["Type"] == "AWS::Serverless::Function"]


def function_spec(function_id: str, template: dict[str, Any] | None = None) -> FunctionSpec:
    """Handler, code, limits and events of one function, with Globals as the fallback."""
    template = template or load_template()
    props = {**_globals(template), **template["Resources"][function_id]["Properties"]}
    events = {
        name: EventSpec(event["Type"], {k: _logical_id(v) for k, v in event["Properties"].items()})
        for name, event in props.get("Events", {}).items()
    }
    return FunctionSpec(
        function_id,
        props["Handler"],
        props["CodeUri"],
        int(props.get("Timeout", 3)),
        int(props.get("MemorySize", 128)),
        events,
    )


def function_environment(function_id: str, stack: ProvisionedStack) -> dict[str, str]:
    """The function's environment variables (Globals' merged with its own), as moto evaluated
    them; a variable whose value is `AWS::NoValue` is left out, as CloudFormation does."""
    return dict(stack.environments[function_id])


def local_parameters(environ: Mapping[str, str]) -> dict[str, str]:
    """The parameter overrides of the local stack: `LOCAL_DEFAULTS`, and what `environ` sets
    through `LOCAL_PARAMETERS` (an empty variable empties a default)."""
    given = {
        parameter: environ[variable]
        for variable, parameter in LOCAL_PARAMETERS.items()
        if variable in environ
    }
    return LOCAL_DEFAULTS | given


def provision(
    session: boto3.session.Session,
    *,
    endpoint_url: str | None = None,
    stack_name: str = "local",
    template: dict[str, Any] | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
    extra_outputs: Mapping[str, tuple[Any, str | None]] | None = None,
) -> ProvisionedStack:
    """Create the template's resources with moto's CloudFormation and read back what it made;
    `extra_outputs` (key -> expression, condition) are evaluated too."""
    template = template or load_template()
    client = functools.cache(lambda service: session.client(service, endpoint_url=endpoint_url))
    asked = _Outputs.of(template)
    extra_outputs = extra_outputs or {}
    body = plain_template(template, asked.expressions)
    body["Outputs"] |= _conditional_outputs(extra_outputs)
    values, refs = _create_stack(client("cloudformation"), stack_name, body, parameter_overrides)
    for key, (rid, complete, _) in asked.completions.items():
        if rid in refs:  # not skipped by a false condition
            complete(client, refs[rid], json.loads(values[key]))
    local_user(client("iam"))
    attrs = {(queue, "Arn"): values[f"{queue}Arn"] for queue in asked.queues}
    extra = {key: values[key] for key in extra_outputs if key in values}  # conditions held
    region = session.region_name or "us-east-1"
    return ProvisionedStack(stack_name, region, refs, attrs, asked.environments(values), extra)


def local_user(iam: Any, name: str = LOCAL_USER, role: str = LOCAL_USER_ROLE) -> str:
    """An IAM user tagged with its role (`webhooks-role`, how the admin function knows an IAM
    caller's role), created unless another stack of the account made it; its ARN."""
    tags = [{"Key": "webhooks-role", "Value": role}]
    if name not in {user["UserName"] for user in iam.list_users()["Users"]}:
        iam.create_user(UserName=name)
    iam.tag_user(UserName=name, Tags=tags)
    arn: str = iam.get_user(UserName=name)["User"]["Arn"]
    return arn


def plain_template(template: dict[str, Any], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudFormation template moto creates: parameters, mappings and conditions as they
    are, the resources of `LOCAL_TYPES`, and an output for each of `outputs`' expressions."""
    resources = {
        rid: resource
        for rid, resource in template["Resources"].items()
        if resource["Type"] in LOCAL_TYPES
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        **{section: template[section] for section in _SECTIONS if section in template},
        "Resources": resources,
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }


def _conditional_outputs(outputs: Mapping[str, tuple[Any, str | None]]) -> dict[str, Any]:
    """Outputs from (expression, condition): one without a condition is always made."""
    return {
        key: {"Value": expression} | ({"Condition": condition} if condition else {})
        for key, (expression, condition) in outputs.items()
    }


def _create_stack(
    cloudformation: Any,
    stack_name: str,
    body: dict[str, Any],
    parameter_overrides: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Create the stack; return its outputs and its resources' physical ids."""
    parameters = [
        {"ParameterKey": key, "ParameterValue": value}
        for key, value in (parameter_overrides or {}).items()
    ]
    cloudformation.create_stack(
        StackName=stack_name, TemplateBody=json.dumps(body), Parameters=parameters
    )
    [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        reason = stack.get("StackStatusReason", "")
        raise RuntimeError(f"stack {stack_name}: {stack['StackStatus']} {reason}".strip())
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
    refs = {
        resource["LogicalResourceId"]: resource["PhysicalResourceId"]
        for page in pages
        for resource in page["StackResourceSummaries"]
    }
    return outputs, refs


def _globals(template: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = template.get("Globals", {}).get("Function", {})
    return properties


def _environment_expressions(function_id: str, template: dict[str, Any]) -> dict[str, Any]:
    """The function's environment variables as written, Globals' merged with its own, but
    those naming a resource moto does not create (the console's Cognito client): the local
    stack sets those itself."""
    own = template["Resources"][function_id].get("Properties", {})
    written = {**_variables(_globals(template)), **_variables(own)}
    kept = local_resources(template) | (template.get("Parameters", {}).keys())
    named = {name: _resources_named(expression) for name, expression in written.items()}
    return {
        name: written[name]
        for name in written
        if all(ref in kept or ref.startswith("AWS::") for ref in named[name])  # AWS:: pseudo
    }


def _resources_named(expression: Any) -> set[str]:
    """Every name an expression refers to (`Ref`, `Fn::GetAtt`, `${...}` of `Fn::Sub`)."""
    match expression:
        case {"Ref": str(name)} | {"Fn::GetAtt": [str(name), *_]}:
            return {name}
        case {"Fn::Sub": str(text)}:
            return {found.split(".")[0] for found in re.findall(r"\$\{([^}!]+)\}", text)}
        case {"Fn::Sub": [str(text), dict(values)]}:
            return _resources_named({"Fn::Sub": text}) - values.keys() | _resources_named(
                list(values.values())
            )
        case dict():
            return set().union(*(_resources_named(value) for value in expression.values()))
        case list():
            return set().union(*(_resources_named(value) for value in expression))
    return set()


def _variables(properties: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = properties.get("Environment", {}).get("Variables", {})
    return variables


def _event_queues(function_id: str, template: dict[str, Any]) -> list[str]:
    """Logical ids of the queues of the function's SQS events."""
    events = function_spec(function_id, template).events.values()
    return [str(event.properties["Queue"]) for event in events if event.type == "SQS"]


def _logical_id(value: Any) -> Any:
    match value:
        case {"Ref": str(name)} | {"Fn::GetAtt": [str(name), *_]}:
            return name
    return value


type _Client = Callable[[str], Any]  # service name -> boto3 client
type _Completion = Callable[[_Client, str, dict[str, Any]], None]


def _enable_time_to_live(client: _Client, table: str, spec: dict[str, Any]) -> None:
    if _true(spec.get("Enabled")):
        ttl = {"Enabled": True, "AttributeName": spec["AttributeName"]}
        client("dynamodb").update_time_to_live(TableName=table, TimeToLiveSpecification=ttl)


def _enable_point_in_time_recovery(client: _Client, table: str, spec: dict[str, Any]) -> None:
    if _true(spec.get("PointInTimeRecoveryEnabled")):
        client("dynamodb").update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


def _enable_versioning(client: _Client, bucket: str, spec: dict[str, Any]) -> None:
    client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration=spec)


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


# What moto 5.2's CloudFormation creates these resources without, and the call that adds it.
_COMPLETIONS: dict[tuple[str, str], _Completion] = {
    ("AWS::DynamoDB::Table", "TimeToLiveSpecification"): _enable_time_to_live,
    ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification"): _enable_point_in_time_recovery,
    ("AWS::S3::Bucket", "VersioningConfiguration"): _enable_versioning,
}


def _completions(template: dict[str, Any]) -> dict[str, tuple[str, _Completion, Any]]:
    """Output key -> (logical id, completion, property as written) of every property that
    `_COMPLETIONS` adds; moto evaluates the property through `Fn::ToJsonString`."""
    return {
        f"{rid}{name}": (rid, complete, resource["Properties"][name])
        for rid, resource in template["Resources"].items()
        for (kind, name), complete in _COMPLETIONS.items()
        if resource["Type"] == kind and name in resource.get("Properties", {})
    }


@dataclass(frozen=True)
class _Outputs:
    """What provisioning asks moto's CloudFormation to evaluate, as stack outputs: each
    function's environment variables, the ARNs of the queues that feed functions, and the
    properties moto leaves out (`_COMPLETIONS`)."""

    function_ids: list[str]
    environment_keys: dict[str, tuple[str, str]]  # output key -> (function id, variable)
    queues: list[str]
    completions: dict[str, tuple[str, _Completion, Any]]
    expressions: dict[str, Any]  # output key -> what moto evaluates

    @classmethod
    def of(cls, template: dict[str, Any]) -> Self:
        variables = {fid: _environment_expressions(fid, template) for fid in functions(template)}
        keys = {
            f"{fid}Env{n}": (fid, name)
            for fid, expressions in variables.items()
            for n, name in enumerate(expressions)
        }
        queues = sorted(
            {queue for fid in functions(template) for queue in _event_queues(fid, template)}
        )
        completions = _completions(template)
        expressions = {key: variables[fid][name] for key, (fid, name) in keys.items()}
        expressions |= {f"{queue}Arn": {"Fn::GetAtt": [queue, "Arn"]} for queue in queues}
        expressions |= {key: {"Fn::ToJsonString": v} for key, (_, _, v) in completions.items()}
        return cls(list(variables), keys, queues, completions, expressions)

    def environments(self, values: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """Each function's environment, from the evaluated outputs (a variable whose value is
        AWS::NoValue has none)."""
        found: dict[str, dict[str, str]] = {fid: {} for fid in self.function_ids}
        for key, (fid, name) in self.environment_keys.items():
            if key in values:
                found[fid][name] = values[key]
        return found
