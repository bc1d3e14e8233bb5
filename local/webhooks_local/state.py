"""The state file of a running local stack, so that `invoke` can join it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from webhooks_testbed import template as cfn

DEFAULT_STATE_PATH = cfn.TEMPLATE_PATH.parent / ".local" / "stack.json"


def state_path() -> Path:
    """`WEBHOOKS_LOCAL_STATE` or `.local/stack.json` at the repository root."""
    return Path(os.environ.get("WEBHOOKS_LOCAL_STATE") or DEFAULT_STATE_PATH)


def stack_state(stack: cfn.ProvisionedStack) -> dict[str, Any]:
    """The provisioned stack as JSON-ready data."""
    return {
        "stack_name": stack.stack_name,
        "region": stack.region,
        "refs": stack.refs,
        "attrs": {f"{name}.{attribute}": value for (name, attribute), value in stack.attrs.items()},
        "environments": stack.environments,
    }


def provisioned(state: dict[str, Any]) -> cfn.ProvisionedStack:
    """The provisioned stack recorded in a state file."""
    return cfn.ProvisionedStack(
        stack_name=state["stack_name"],
        region=state["region"],
        refs=state["refs"],
        attrs={tuple(key.split(".", 1)): value for key, value in state["attrs"].items()},
        environments=state["environments"],
    )


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state file, readable by its owner only (it holds the admin token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(state, stream, indent=2)


def running_state(path: Path) -> dict[str, Any] | None:
    """The state of a running stack, or None when there is none (or it died)."""
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return state


def remove_state(path: Path, pid: int) -> None:
    """Remove the state file if it is this process's."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass
