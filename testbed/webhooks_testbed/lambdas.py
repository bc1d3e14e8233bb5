"""One function of template.yaml as Lambda configures it: name, handler, limits, environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from webhooks_testbed import template as cfn


@dataclass(frozen=True)
class FunctionConfig:
    """One Lambda function, as the local stack and the tests run it."""

    function_id: str
    function_name: str
    handler: str
    timeout: int
    memory_size: int
    region: str
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        """The function's ARN, as `context.invoked_function_arn` shows it."""
        return f"arn:aws:lambda:{self.region}:{cfn.ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        """The function's log group, as Lambda names it."""
        return log_group_name(self.function_name)


def log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def function_config(
    function_id: str,
    stack: cfn.ProvisionedStack,
    *,
    endpoint_url: str,
    template: dict[str, Any] | None = None,
    credentials: dict[str, str] | None = None,
) -> FunctionConfig:
    """Build the function's configuration: the template's settings, env pointed at moto;
    `credentials` (AWS_ACCESS_KEY_ID, ...: its role's) in place of moto's account keys."""
    spec = cfn.function_spec(function_id, template)
    name = f"{stack.stack_name}-{function_id}"
    environment = {
        **cfn.function_environment(function_id, stack),
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": stack.region,
        "AWS_REGION": stack.region,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name(name),
        "_HANDLER": spec.handler,
        "POWERTOOLS_TRACE_DISABLED": "true",
        # Locally a configuration edit applies to the very next webhook: the revision is
        # checked on every message instead of trusting a cache for a minute, as on AWS.
        "CONFIG_CACHE_SECONDS": "0",
        **(credentials or {}),
    }
    return FunctionConfig(
        function_id=function_id,
        function_name=name,
        handler=spec.handler,
        timeout=spec.timeout,
        memory_size=spec.memory_size,
        region=stack.region,
        environment=environment,
    )
