"""`webhooks-local invoke`: run one handler on one event file, without Docker.

It joins the running local stack when there is one (so the message shows up there),
otherwise it starts a throwaway stack (moto, the template's resources, the configuration)
for the duration of the call. The handler runs in this process's main thread.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from webhooks_local.aws import local_session, start_moto
from webhooks_local.state import provisioned, running_state, state_path
from webhooks_local.workers import APPLY_CONFIG, apply_environment, resolve, run_handler
from webhooks_testbed import template as cfn
from webhooks_testbed.lambdas import function_config


def invoke(function_id: str, event_file: Path, config_path: Path) -> Any:
    """The handler's result for the event in `event_file`."""
    event = event_file.read_text(encoding="utf-8")
    state = running_state(state_path())
    if state is not None:
        return _run(function_id, event, provisioned(state), state["moto_endpoint"])
    server, endpoint = start_moto()
    try:
        overrides = cfn.local_parameters(os.environ)
        stack = cfn.provision(local_session(), endpoint_url=endpoint, parameter_overrides=overrides)
        return _run(function_id, event, stack, endpoint, config_path)
    finally:
        server.stop()


def _run(
    function_id: str,
    event: str,
    stack: cfn.ProvisionedStack,
    endpoint: str,
    config_path: Path | None = None,
) -> Any:
    """Take the function's environment, apply the configuration if asked, run the handler."""
    config = function_config(function_id, stack, endpoint_url=endpoint)
    apply_environment(config.environment)
    if config_path is not None:
        resolve(APPLY_CONFIG)(config_path)
    handler = resolve(config.handler)
    return json.loads(run_handler(handler, config, str(uuid.uuid4()), event))
