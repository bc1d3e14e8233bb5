"""The template's IAM, as SAM makes it, in moto: every role and policy, and credentials of
each function's role.

`translate` runs SAM's own translator on template.yaml (what `sam deploy` hands
CloudFormation: a function's `Policies` and policy templates become a role, events their
permissions), in the SAM CLI's environment (`sam_translate.py`), once per template: the
result is kept under `.local/translated/`. `IamResources` picks every role and policy of the
result, has moto's CloudFormation evaluate their documents with the stack's parameters and
conditions (as stack outputs of `provision`), creates them in moto's IAM and assumes each
function's role, as Lambda does, for the credentials its workers sign with. Roles and
policies are named by logical id.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webhooks_testbed import grants
from webhooks_testbed import template as cfn

ROLE = "AWS::IAM::Role"
POLICY_TYPES = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
CREDENTIAL_SECONDS = 43_200  # an assumed role's longest session: a local stack's day
REPO = cfn.TEMPLATE_PATH.parent
ACCOUNT_ROOT = f"arn:aws:iam::{cfn.ACCOUNT_ID}:root"
SAM_PYTHON = REPO / ".venv-sam" / "bin" / "python"  # make .venv-sam/.installed
TRANSLATED = REPO / ".local" / "translated"


class TranslatorMissing(FileNotFoundError):
    """The SAM CLI's environment, which holds the translator, is not installed."""


@functools.cache
def translated() -> dict[str, Any]:
    """template.yaml as SAM's translator makes it: plain CloudFormation."""
    return translate(cfn.load_template())


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The template through SAM's translator; kept by the template's digest."""
    body = json.dumps(template, sort_keys=True)
    kept = TRANSLATED / f"{hashlib.sha256(body.encode()).hexdigest()[:32]}.json"
    if not kept.exists():
        if not SAM_PYTHON.exists():
            raise TranslatorMissing(f"{SAM_PYTHON} is missing: make .venv-sam/.installed")
        script = Path(__file__).with_name("sam_translate.py")
        result = subprocess.run(
            [SAM_PYTHON, script], input=body, capture_output=True, text=True, check=True
        )
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}")  # stacks may start at once
        partial.write_text(result.stdout, encoding="utf-8")
        partial.replace(kept)
    document: dict[str, Any] = json.loads(kept.read_text(encoding="utf-8"))
    return document


@dataclass(frozen=True)
class IamResources:
    """The translated template's roles and policies, the stack outputs that evaluate them,
    and each function's role."""

    resources: dict[str, dict[str, Any]]  # logical id -> resource, as translated
    function_roles: dict[str, str]  # function id -> role logical id
    names: frozenset[str]  # every resource of the translated template

    @classmethod
    def of(cls, document: dict[str, Any]) -> IamResources:
        resources = document["Resources"]
        iam = {
            rid: resource
            for rid, resource in resources.items()
            if resource["Type"] == ROLE or resource["Type"] in POLICY_TYPES
        }
        roles = {
            rid: resource["Properties"]["Role"]["Fn::GetAtt"][0]
            for rid, resource in resources.items()
            if resource["Type"] == "AWS::Lambda::Function"
        }
        return cls(iam, roles, frozenset(resources))

    def outputs(self, local: frozenset[str]) -> dict[str, tuple[Any, str | None]]:
        """Output key -> (expression, condition): each resource's evaluated properties, names
        of resources the local stack does not create standing for their references."""
        return {
            _output_key(rid): (
                {"Fn::ToJsonString": _stand_ins(resource["Properties"], self.names - local)},
                resource.get("Condition"),
            )
            for rid, resource in self.resources.items()
        }

    def evaluated(self, values: dict[str, str]) -> dict[str, dict[str, Any]]:
        """Logical id -> evaluated properties, for the resources whose condition holds (an
        `AWS::NoValue` in a list is left there as null, as moto evaluates it)."""
        return {
            rid: json.loads(values[_output_key(rid)])
            for rid in self.resources
            if _output_key(rid) in values
        }


def _output_key(rid: str) -> str:
    return f"Iam{rid}"


def _stand_ins(value: Any, absent: frozenset[str]) -> Any:
    """`value` with Ref, GetAtt and Sub's `${X}` of the `absent` resources (APIs, functions,
    IAM) as their logical ids; parameters and the resources moto creates are left to moto."""
    match value:
        case {"Ref": str(name)} | {"Fn::GetAtt": [str(name), *_]} if name in absent:
            return name
        case {"Fn::Sub": str(text)}:
            return {"Fn::Sub": _SUBSTITUTION.sub(lambda m: _named_in(m, absent), text)}
        case dict():
            return {key: _stand_ins(item, absent) for key, item in value.items()}
        case list():
            return [_stand_ins(item, absent) for item in value]
    return value


_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9]+)(\.[A-Za-z.]+)?\}")


def _named_in(found: re.Match[str], absent: frozenset[str]) -> str:
    return found[1] if found[1] in absent else found[0]


def without_nulls(value: Any) -> Any:
    """`value` without the nulls that `AWS::NoValue` left in lists."""
    match value:
        case dict():
            return {key: without_nulls(item) for key, item in value.items()}
        case list():
            return [without_nulls(item) for item in value if item is not None]
    return value


def create(iam: Any, evaluated: dict[str, dict[str, Any]], types: dict[str, str]) -> None:
    """Create the evaluated roles and policies in moto's IAM, named by logical id, and attach
    them as the template does."""
    arns: dict[str, str] = {}
    evaluated = without_nulls(evaluated)
    for rid, properties in evaluated.items():
        if types[rid] == ROLE:
            iam.create_role(
                RoleName=rid,
                AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"]),
            )
        elif types[rid] == "AWS::IAM::ManagedPolicy":
            document = json.dumps(properties["PolicyDocument"])
            arns[rid] = iam.create_policy(PolicyName=rid, PolicyDocument=document)["Policy"]["Arn"]
    for rid, properties in evaluated.items():
        for role in _roles_of(rid, properties, types):
            _attach(iam, rid, role, properties, arns)
    for policy in grants.standalone(types, evaluated):  # a caller's role, named as its policy
        trust = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "sts:AssumeRole"}
        document = json.dumps({"Version": "2012-10-17", "Statement": [trust]})
        iam.create_role(RoleName=policy, AssumeRolePolicyDocument=document)
        iam.attach_role_policy(RoleName=policy, PolicyArn=arns[policy])


def _roles_of(rid: str, properties: dict[str, Any], types: dict[str, str]) -> list[str]:
    return [rid] if types[rid] == ROLE else [role for role in properties.get("Roles", []) if role]


def _attach(
    iam: Any, rid: str, role: str, properties: dict[str, Any], arns: dict[str, str]
) -> None:
    """A role's inline and managed policies, or a policy's attachment to one role."""
    if rid in arns:
        iam.attach_role_policy(RoleName=role, PolicyArn=arns[rid])
        return
    inline = properties.get("Policies", []) if rid == role else [properties]
    for policy in inline:
        document = json.dumps(policy["PolicyDocument"])
        iam.put_role_policy(RoleName=role, PolicyName=policy["PolicyName"], PolicyDocument=document)
    for arn in properties.get("ManagedPolicyArns", []) if rid == role else []:
        if arn:  # a policy of the template is attached from its own side, by logical id
            iam.attach_role_policy(RoleName=role, PolicyArn=arns.get(arn, arn))


def assume(sts: Any, account: str, role: str, session_name: str) -> dict[str, str]:
    """A role's credentials, as Lambda puts them in a function's environment."""
    answer = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}",
        RoleSessionName=session_name[:64],
        DurationSeconds=CREDENTIAL_SECONDS,
    )
    credentials = answer["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


def provision_roles(
    session: Any, endpoint_url: str, iam: IamResources, stack: cfn.ProvisionedStack
) -> dict[str, dict[str, str]]:
    """Create the roles and policies `provision` evaluated (its `extra_outputs` were
    `iam.outputs(...)`); return each function's credentials, its role assumed."""
    client = functools.partial(session.client, endpoint_url=endpoint_url)
    types = {rid: resource["Type"] for rid, resource in iam.resources.items()}
    create(client("iam"), iam.evaluated(stack.extra), types)
    sts = client("sts")
    return {
        function: assume(sts, cfn.ACCOUNT_ID, role, f"{stack.stack_name}-{function}")
        for function, role in iam.function_roles.items()
    }
