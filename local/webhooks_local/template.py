"""Read template.yaml and create the tables, queues, bucket, parameters and topics it declares."""

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import boto3
import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
_NO_VALUE = object()  # what Ref AWS::NoValue resolves to: the key or item disappears
type _Props = dict[str, Any]


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
    """Physical names and attributes of the resources provisioned for one stack."""

    stack_name: str
    region: str
    refs: dict[str, str]
    attrs: dict[tuple[str, str], str]
    parameters: dict[str, str]
    conditions: dict[str, Any] = field(default_factory=dict)  # name -> unevaluated condition


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


def functions(template: dict[str, Any] | None = None) -> list[str]:
    """Logical ids of the template's functions, in declaration order."""
    resources = (template or load_template())["Resources"]
    return [rid for rid, res in resources.items() if res["Type"] == "AWS::Serverless::Function"]


def function_spec(function_id: str, template: dict[str, Any] | None = None) -> FunctionSpec:
    """Handler, code, limits and events of one function, with Globals as the fallback."""
    template = template or load_template()
    defaults = template.get("Globals", {}).get("Function", {})
    props = {**defaults, **template["Resources"][function_id]["Properties"]}
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


def function_environment(
    function_id: str, stack: ProvisionedStack, template: dict[str, Any] | None = None
) -> dict[str, str]:
    """Global environment variables merged with the function's own, resolved to strings."""
    template = template or load_template()
    defaults = template.get("Globals", {}).get("Function", {})
    own = template["Resources"][function_id].get("Properties", {})
    variables = {**_variables(defaults), **_variables(own)}
    return {name: _text(value) for name, value in resolve(variables, stack).items()}


def _variables(properties: _Props) -> dict[str, Any]:
    variables: dict[str, Any] = properties.get("Environment", {}).get("Variables", {})
    return variables


def provision(
    session: boto3.session.Session,
    *,
    endpoint_url: str | None = None,
    stack_name: str = "local",
    template: dict[str, Any] | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
) -> ProvisionedStack:
    """Create the template's tables, queues, buckets, parameters and topics, in dependency order."""
    template = template or load_template()
    declared = template.get("Parameters", {})
    parameters = {name: _text(spec.get("Default", "")) for name, spec in declared.items()}
    parameters |= parameter_overrides or {}
    region = session.region_name or "us-east-1"
    stack = ProvisionedStack(stack_name, region, {}, {}, parameters, template.get("Conditions", {}))
    client = functools.cache(lambda service: session.client(service, endpoint_url=endpoint_url))
    resources = {
        rid: res
        for rid, res in template["Resources"].items()
        if res["Type"] in _CREATORS
        and ("Condition" not in res or _condition(res["Condition"], stack))
    }
    graph = {
        rid: _references(res.get("Properties", {})) & resources.keys()
        for rid, res in resources.items()
    }
    for rid in TopologicalSorter(graph).static_order():
        _CREATORS[resources[rid]["Type"]](rid, resources[rid].get("Properties", {}), stack, client)
    return stack


def resolve(value: Any, stack: ProvisionedStack) -> Any:
    """`value` with its intrinsic functions evaluated against the provisioned stack."""
    if isinstance(value, list):
        return [item for item in (resolve(v, stack) for v in value) if item is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and (key := next(iter(value))) in _INTRINSICS:
        return _INTRINSICS[key](value[key], stack)
    resolved = {key: resolve(item, stack) for key, item in value.items()}
    return {key: item for key, item in resolved.items() if item is not _NO_VALUE}


def _ref(name: str, stack: ProvisionedStack) -> Any:
    pseudo = {
        "AWS::StackName": stack.stack_name,
        "AWS::Region": stack.region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::Partition": "aws",
        "AWS::NoValue": _NO_VALUE,
    }
    for source in (stack.refs, stack.parameters, pseudo):
        if name in source:
            return source[name]
    raise KeyError(f"Ref {name!r}: not a parameter or a locally provisioned resource")


def _get_att(arg: Any, stack: ProvisionedStack) -> str:
    name, attribute = arg.split(".", 1) if isinstance(arg, str) else resolve(arg, stack)
    return stack.attrs[(name, attribute)]


def _sub(arg: Any, stack: ProvisionedStack) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], stack))

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return _text(variables[name])
        return _text(_get_att(name, stack) if "." in name else _ref(name, stack))

    return _SUB_VARIABLE.sub(substitute, text).replace("${!", "${")


def _condition(name: str, stack: ProvisionedStack) -> bool:
    return bool(resolve(stack.conditions[name], stack))


def _if(arg: list[Any], stack: ProvisionedStack) -> Any:
    name, when_true, when_false = arg
    return resolve(when_true if _condition(name, stack) else when_false, stack)


_INTRINSICS: dict[str, Callable[[Any, ProvisionedStack], Any]] = {
    "Ref": _ref,
    "Condition": _condition,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::If": _if,
    "Fn::Join": lambda a, s: a[0].join(_text(part) for part in resolve(a[1], s)),
    "Fn::Select": lambda a, s: resolve(a[1], s)[int(resolve(a[0], s))],
    "Fn::Split": lambda a, s: resolve(a[1], s).split(a[0]),
    "Fn::Equals": lambda a, s: _text(resolve(a[0], s)) == _text(resolve(a[1], s)),
    "Fn::Not": lambda a, s: not resolve(a[0], s),
    "Fn::And": lambda a, s: all(resolve(a, s)),
    "Fn::Or": lambda a, s: any(resolve(a, s)),
}


def _references(value: Any) -> set[str]:
    """Names (resources, parameters, pseudo parameters) that `value` refers to."""
    match value:
        case {"Ref": str(name)} | {"Fn::GetAtt": [str(name), *_]}:
            return {name}
        case {"Fn::GetAtt": str(dotted)}:
            return {dotted.split(".")[0]}
        case {"Fn::Sub": str(text)}:
            return {name.split(".")[0] for name in _SUB_VARIABLE.findall(text)}
        case {"Fn::Sub": [str(text), dict(variables)]}:
            return (_references({"Fn::Sub": text}) - variables.keys()) | _references(variables)
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return set().union(*map(_references, children))


def _logical_id(value: Any) -> Any:
    match value:
        case {"Ref": str(name)} | {"Fn::GetAtt": [str(name), *_]}:
            return name
    return value


def _text(value: Any) -> str:
    """A value as CloudFormation renders it into a string."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _physical_name(logical_id: str, props: _Props, key: str, stack: ProvisionedStack) -> str:
    return str(resolve(props[key], stack)) if key in props else f"{stack.stack_name}-{logical_id}"


type _Client = Callable[[str], Any]  # service name -> boto3 client
_TABLE_KEYS = frozenset({
    "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
    "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
})  # fmt: skip
# CloudFormation properties of a queue that are also SQS attribute names
_QUEUE_KEYS = frozenset({
    "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "SqsManagedSseEnabled", "FifoQueue",
    "ContentBasedDeduplication",
})  # fmt: skip


def _create_table(rid: str, props: _Props, stack: ProvisionedStack, client: _Client) -> None:
    name = _physical_name(rid, props, "TableName", stack)
    args = {key: resolve(props[key], stack) for key in _TABLE_KEYS if key in props}
    table = client("dynamodb").create_table(TableName=name, **args)["TableDescription"]
    ttl = resolve(props.get("TimeToLiveSpecification", {}), stack)
    if ttl.get("Enabled"):
        spec = {"Enabled": True, "AttributeName": ttl["AttributeName"]}
        client("dynamodb").update_time_to_live(TableName=name, TimeToLiveSpecification=spec)
    stack.refs[rid] = name
    stack.attrs[(rid, "Arn")] = table["TableArn"]


def _create_queue(rid: str, props: _Props, stack: ProvisionedStack, client: _Client) -> None:
    name = _physical_name(rid, props, "QueueName", stack)
    attributes = {key: _text(resolve(props[key], stack)) for key in _QUEUE_KEYS if key in props}
    url = client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    stack.refs[rid] = url
    stack.attrs |= {
        (rid, "Arn"): arn["Attributes"]["QueueArn"],
        (rid, "QueueName"): name,
        (rid, "QueueUrl"): url,
    }


def _create_bucket(rid: str, props: _Props, stack: ProvisionedStack, client: _Client) -> None:
    name = _physical_name(rid, props, "BucketName", stack).lower()
    location = {"CreateBucketConfiguration": {"LocationConstraint": stack.region}}
    s3 = client("s3")
    s3.create_bucket(Bucket=name, **({} if stack.region == "us-east-1" else location))
    if "VersioningConfiguration" in props:
        versioning = resolve(props["VersioningConfiguration"], stack)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=versioning)
    stack.refs[rid] = name
    stack.attrs |= {
        (rid, "Arn"): f"arn:aws:s3:::{name}",
        (rid, "DomainName"): f"{name}.s3.amazonaws.com",
    }


def _create_parameter(rid: str, props: _Props, stack: ProvisionedStack, client: _Client) -> None:
    name = _physical_name(rid, props, "Name", stack)
    value, kind = _text(resolve(props["Value"], stack)), resolve(props.get("Type", "String"), stack)
    client("ssm").put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
    stack.refs[rid] = name
    stack.attrs |= {(rid, "Type"): kind, (rid, "Value"): value}


def _create_topic(rid: str, props: _Props, stack: ProvisionedStack, client: _Client) -> None:
    name = _physical_name(rid, props, "TopicName", stack)
    arn = client("sns").create_topic(Name=name)["TopicArn"]
    stack.refs[rid] = arn
    stack.attrs |= {(rid, "TopicArn"): arn, (rid, "TopicName"): name}


_CREATORS: dict[str, Callable[[str, _Props, ProvisionedStack, _Client], None]] = {
    "AWS::DynamoDB::Table": _create_table,
    "AWS::SQS::Queue": _create_queue,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::SSM::Parameter": _create_parameter,
    "AWS::SNS::Topic": _create_topic,
}
