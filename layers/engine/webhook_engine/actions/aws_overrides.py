"""What `aws` actions may override in the target's own configuration: the environment variables
and source versions of `aws.start_build` (one template parameter each, empty by default).

An override runs under the target's role, not the script's: `BASH_ENV`, `LD_PRELOAD` or
`NODE_OPTIONS` in a build's environment run commands of the script's choosing with the
CodeBuild project's service role, and a source version chooses the code (and buildspec) that
role runs. So overrides follow an allow-list per action, like targets: each entry a regular
expression that must match the whole name or version (`GIT_REF`, `DEPLOY_[A-Z_]+`,
`[0-9a-f]{40}`, `refs/heads/main`); commas separate entries, so a pattern holds none. Names
that make a shell, the dynamic loader or a language runtime load or run code are refused
even when a pattern allows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from webhook_engine.actions.errors import ActionRefused

# Variables that a shell, the dynamic loader, a language runtime, a build tool, git or the AWS
# SDKs read to load or run code, or to find credentials: a second fence behind the allow-list,
# against a pattern wider than its author meant (`[A-Z_]+`); not a complete list, which is
# why the allow-list is the wall. Compared case-insensitively (Windows builds ignore case).
_STARTUP_VARIABLES = re.compile(
    r"BASH_ENV|ENV|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|IFS|PATH|HOME|"
    r"XDG_CONFIG_HOME|LD_.*|DYLD_.*|NODE_OPTIONS|NODE_PATH|NPM_CONFIG_.*|PYTHON.*|"
    r"PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|"
    r"JDK_JAVA_OPTIONS|JAVA_OPTS|MAVEN_OPTS|GRADLE_OPTS|DOTNET_STARTUP_HOOKS|"
    r"GIT_SSH|GIT_SSH_COMMAND|GIT_EXEC_PATH|GIT_CONFIG.*|GIT_ASKPASS|GIT_PROXY_COMMAND|"
    r"AWS_.*",  # CODEBUILD_* is refused as an argument already (aws_arguments.py)
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Override:
    """A kind of override: the action it belongs to and the template parameter listing it."""

    parameter: str  # e.g. ActionBuildEnvironmentVariables
    action: str  # as scripts call it: aws.<action>
    noun: str  # in messages: "environment variable"
    named: bool  # whether a refusal names the value (a variable's name, never a version)

    @property
    def setting(self) -> str:
        """The Settings field (and, upper case, the environment variable) holding the list."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.parameter).lower()


BUILD_ENVIRONMENT = Override(
    "ActionBuildEnvironmentVariables", "start_build", "environment variable", named=True
)
BUILD_SOURCE_VERSION = Override(
    "ActionBuildSourceVersions", "start_build", "source version", named=False
)
OVERRIDES = (BUILD_ENVIRONMENT, BUILD_SOURCE_VERSION)


def compiled(override: Override, patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """The list's patterns; ValueError naming the parameter and the entry that is not one."""
    found = []
    for pattern in patterns:
        try:
            found.append(re.compile(pattern))
        except re.error as error:
            raise ValueError(
                f"{override.parameter}: {pattern!r} is not a regular expression ({error})"
            ) from None
    return tuple(found)


class OverrideList:
    """The overrides each action may make; an override with no pattern allows nothing."""

    def __init__(self, listed: Mapping[Override, Sequence[str]]) -> None:
        self._patterns = {
            override: compiled(override, listed.get(override, ())) for override in OVERRIDES
        }

    def check(self, overrides: Iterable[tuple[Override, str]]) -> None:
        """ActionRefused naming the first override the deployment does not allow."""
        for override, value in overrides:
            what = f"{override.noun} {value}" if override.named else f"the {override.noun}"
            if override is BUILD_ENVIRONMENT and _STARTUP_VARIABLES.fullmatch(value):
                raise ActionRefused(
                    f"aws.{override.action}: {what} changes what the build's programs load "
                    f"or run; refused whatever {override.parameter} allows"
                )
            if not any(pattern.fullmatch(value) for pattern in self._patterns[override]):
                raise ActionRefused(
                    f"aws.{override.action}: {what} is not allowed by {override.parameter}"
                )
