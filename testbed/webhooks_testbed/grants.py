"""What each role grants, and which grants the calls recorded by moto (`iam_checks`) used.

A grant is one action of one statement of a role's policies (inline, its managed policies,
policies attached to it), named as the template writes it:
`IngestFunctionRole sqs:SendMessage !GetAtt WebhookQueue.Arn`. The local stack writes, when
`WEBHOOKS_CALL_LOG` names a directory, one file per run: its grants with their evaluated
resources, and every decision moto took. `report` reads all the runs of a test session: a grant
no call of its role used is listed, with its reason from the reasons file or as unexplained;
a call refused is listed; a reason whose grant was used, or no longer exists, is stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

ROLE = "AWS::IAM::Role"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"


@dataclass(frozen=True)
class Grant:
    role: str
    action: str  # as written: may hold wildcards
    written: str  # the resource as the template writes it
    resources: tuple[str, ...]  # as evaluated for the run: may hold wildcards

    @property
    def key(self) -> str:
        return f"{self.role} {self.action} {self.written}"

    def allows(self, action: str, resource: str) -> bool:
        return _matches(self.action, action, case=False) and any(
            _matches(pattern, resource, case=True) for pattern in self.resources
        )


@dataclass(frozen=True)
class Call:
    role: str
    action: str
    resource: str
    allowed: bool


def _matches(pattern: str, value: str, *, case: bool) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one."""
    expression = "".join({"*": ".*", "?": "."}.get(char, re.escape(char)) for char in pattern)
    return re.fullmatch(expression, value, 0 if case else re.IGNORECASE) is not None


def grants(
    resources: Mapping[str, dict[str, Any]], evaluated: Mapping[str, dict[str, Any]]
) -> list[Grant]:
    """Every grant of every role, from the translated resources (as written) and their
    evaluated properties (`AWS::NoValue` as null, where the statement lists are aligned)."""
    found: list[Grant] = []
    for role in (rid for rid in evaluated if resources[rid]["Type"] == ROLE):
        for written, document in _documents(role, resources, evaluated):
            found += _statement_grants(role, written, document)
    types = {rid: resource["Type"] for rid, resource in resources.items()}
    for policy in standalone(types, evaluated):
        written = resources[policy]["Properties"]["PolicyDocument"]
        found += _statement_grants(policy, written, evaluated[policy]["PolicyDocument"])
    return found


def standalone(types: Mapping[str, str], evaluated: Mapping[str, dict[str, Any]]) -> list[str]:
    """The managed policies no role of the template takes (for callers outside the stack, as
    the admin API's per operator role): each is proven as a role of its own, of its name."""
    attached = {
        arn
        for rid, properties in evaluated.items()
        if types[rid] == ROLE
        for arn in properties.get("ManagedPolicyArns", [])
    }
    return [
        rid
        for rid, properties in evaluated.items()
        if types[rid] == MANAGED_POLICY
        and rid not in attached
        and not any(properties.get("Roles", []))
    ]


def _documents(
    role: str, resources: Mapping[str, dict[str, Any]], evaluated: Mapping[str, dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(written, evaluated) policy documents of the role: inline, its managed policies
    attached by logical id, and policies naming it."""
    own = resources[role]["Properties"]
    pairs = [
        (policy["PolicyDocument"], evaluated_policy["PolicyDocument"])
        for policy, evaluated_policy in zip(
            own.get("Policies", []), evaluated[role].get("Policies", []), strict=True
        )
        if evaluated_policy is not None
    ]
    attached = {arn for arn in evaluated[role].get("ManagedPolicyArns", []) if arn}
    for rid, properties in evaluated.items():
        if rid in attached or role in properties.get("Roles", []):
            pairs.append(
                (resources[rid]["Properties"]["PolicyDocument"], properties["PolicyDocument"])
            )
    return pairs


def _statement_grants(role: str, written: dict[str, Any], document: dict[str, Any]) -> list[Grant]:
    found = []
    for as_written, statement in zip(
        _listed(written["Statement"]), _listed(document["Statement"]), strict=True
    ):
        if statement is None:  # an Fn::If that left it out
            continue
        chosen = as_written["Fn::If"][1] if "Fn::If" in as_written else as_written
        shown = render(chosen.get("Resource", "*"))
        resources = tuple(r for r in _listed(statement.get("Resource", "*")) if r is not None)
        found += [Grant(role, action, shown, resources) for action in _listed(statement["Action"])]
    return found


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def render(value: Any) -> str:
    """A template expression in its short form: `!GetAtt X.Arn`, `!Sub "..."`, `!Ref P`."""
    match value:
        case str():
            return value
        case list():
            return "[" + ", ".join(render(item) for item in value) + "]"
        case {"Ref": name}:
            return f"!Ref {name}"
        case {"Fn::GetAtt": [name, attribute]}:
            return f"!GetAtt {name}.{attribute}"
        case {"Fn::Sub": str(text)} | {"Fn::Sub": [str(text), *_]}:
            return f"!Sub {text}"
    return json.dumps(value, sort_keys=True)


def calls(checks: Iterable[list[Any]]) -> list[Call]:
    """moto's decisions for the functions' roles (principal `assumed-role/<role>/<session>`)."""
    return [
        Call(principal.split("/")[1], action, resource, allowed)
        for principal, action, resource, allowed in checks
        if ":assumed-role/" in principal
    ]


def write_run(path: Path, found: list[Grant], checks: Iterable[list[Any]]) -> None:
    """One run's grants and decisions, for `report`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run = {"grants": [asdict(grant) for grant in found], "checks": list(checks)}
    path.write_text(json.dumps(run, indent=1), encoding="utf-8")


@dataclass(frozen=True)
class Report:
    unused: dict[str, str | None]  # grant key -> its reason, or None: unexplained
    refused: list[Call]
    stale: list[str]  # reasons whose grant was used or is gone
    runs: int

    @property
    def failed(self) -> bool:
        return bool(self.refused or self.stale or None in self.unused.values())

    def text(self) -> str:
        lines = [f"Permissions proven over {self.runs} runs of the local stack."]
        lines += [f"REFUSED {c.role} {c.action} {c.resource}" for c in self.refused]
        lines += [f"STALE REASON {key}" for key in self.stale]
        lines += [
            f"{'UNEXPLAINED' if reason is None else 'kept'} {key}"
            + (f": {reason}" if reason else "")
            for key, reason in sorted(self.unused.items())
        ]
        return "\n".join(lines) + "\n"


def report(runs: list[dict[str, Any]], reasons: Mapping[str, str]) -> Report:
    """Every grant of the runs that no call of its role used, and every refused call."""
    every = _grants_by_key(runs)
    made = [call for run in runs for call in calls(run["checks"])]
    used = _used(every, [call for call in made if call.allowed])
    unused = {key: _reason(key, reasons) for key in every if key not in used}
    stale = sorted(set(reasons) - set(unused) - {_any_resource(key) for key in unused})
    return Report(unused, _refused(made), stale, len(runs))


def _reason(key: str, reasons: Mapping[str, str]) -> str | None:
    """The reason kept for the grant, or for every resource of its role's action (`... *`)."""
    return reasons.get(key) or reasons.get(_any_resource(key))


def _any_resource(key: str) -> str:
    role, action, _ = key.split(" ", 2)
    return f"{role} {action} *"


def _refused(made: list[Call]) -> list[Call]:
    return sorted({call for call in made if not call.allowed}, key=lambda c: (c.role, c.action))


def _grants_by_key(runs: list[dict[str, Any]]) -> dict[str, list[Grant]]:
    every: dict[str, list[Grant]] = {}
    for run in runs:
        for grant in (Grant(**g | {"resources": tuple(g["resources"])}) for g in run["grants"]):
            every.setdefault(grant.key, []).append(grant)
    return every


def _used(every: Mapping[str, list[Grant]], allowed: list[Call]) -> set[str]:
    """Keys of the grants that allowed a call (a grant's resources differ from run to run)."""
    return {
        key
        for key, versions in every.items()
        if any(
            g.role == c.role and g.allows(c.action, c.resource) for g in versions for c in allowed
        )
    }


def read_runs(directory: Path) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))
    ]


def read_reasons(path: Path) -> dict[str, str]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(reason) for key, reason in loaded.items()}
