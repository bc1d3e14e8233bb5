"""`webhooks-sam plan`: what `make deploy` is about to create, and the parameters that matter,
printed before SAM's change set (which lists every resource, but not what it is for)."""

from __future__ import annotations

import shlex
from collections import Counter
from typing import Any

from webhooks_testbed import roles
from webhooks_testbed import template as cfn

# The parameters a first deployment should look at, and what their default means.
MATTERS = {
    "AlarmEmail": "empty: the alarms reach nobody (subscribe an address, then confirm its email)",
    "KmsKeyArn": "empty: each service's own key, an unencrypted alarm topic",
    "SubnetIds": "empty: no VPC",
    "IngestReservedConcurrency": "0: unreserved",
    "ProcessReservedConcurrency": "0: unreserved",
    "AdminReservedConcurrency": "0: unreserved",
    "HttpAllowedHosts": "empty: scripts reach public addresses only",
    "MessageRetentionDays": "",
    "Architecture": "",
}
ACTION_LISTS = "Action"  # ActionEventBusArns...: what scripts' aws.* may reach


def overrides(parameters: str) -> dict[str, str]:
    """`Key=Value Key2=Value2` (make deploy's PARAMETERS) as a mapping."""
    pairs = (item.partition("=") for item in shlex.split(parameters))
    return {key: value for key, _, value in pairs}


def plan(parameters: str) -> str:
    """The resources by type, then each parameter that matters with its value."""
    given = overrides(parameters)
    resources = roles.translated()["Resources"]
    lines = [f"It creates up to {len(resources)} resources (SAM's translation of the template):"]
    lines += [f"  {count:3} {kind}" for kind, count in sorted(_kinds(resources).items())]
    lines += ["Parameters that matter (PARAMETERS='Name=value ...'):"]
    declared = cfn.load_template()["Parameters"]
    for name, spec in declared.items():
        if name in MATTERS or name.startswith(ACTION_LISTS) or name in given:
            lines.append(_parameter_line(name, spec, given))
    return "\n".join(lines)


def _kinds(resources: dict[str, Any]) -> Counter[str]:
    """Resources by type, those under a condition apart (`Type (if Condition)`)."""
    return Counter(
        resource["Type"] + (f" (if {resource['Condition']})" if "Condition" in resource else "")
        for resource in resources.values()
    )


def _parameter_line(name: str, spec: dict[str, Any], given: dict[str, str]) -> str:
    if name in given:
        return f"  {name} = {given[name]!r}"
    meaning = MATTERS.get(name) or ("empty: none" if name.startswith(ACTION_LISTS) else "")
    default = f"{spec.get('Default', '')!r} (default{': ' + meaning if meaning else ''})"
    return f"  {name} = {default}"
