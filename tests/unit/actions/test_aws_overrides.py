"""What `aws.start_build` may override in a listed project: nothing by default; only names and
versions a pattern of the deployment's lists matches whole; never a variable that makes the
build's programs load or run code, whatever the patterns say. And event sources that are
AWS's own, in any spelling."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.fakes import FakeAwsCaller
from webhook_engine.actions.aws import AwsPerformer, parse_action
from webhook_engine.actions.aws_overrides import (
    BUILD_ENVIRONMENT,
    BUILD_SOURCE_VERSION,
    OVERRIDES,
    OverrideList,
)
from webhook_engine.actions.aws_targets import BUILD_PROJECT, EVENT_BUS, AllowList
from webhook_engine.actions.errors import ActionError, ActionRefused
from webhook_engine.settings import Settings

PROJECT = "arn:aws:codebuild:eu-west-1:123456789012:project/build-web"
BUS = "arn:aws:events:eu-west-1:123456789012:event-bus/default"
COMMIT = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
BUILT = {"start_build": {"build": {"id": "build-web:1", "arn": "arn:build"}}}
# Variables that make a shell, the loader, a runtime, a build tool, git or an SDK load or run
# code, or find credentials elsewhere.
STARTUP_VARIABLES = [
    "BASH_ENV",
    "ENV",
    "BASH_FUNC_ls",
    "SHELLOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "PATH",
    "HOME",
    "XDG_CONFIG_HOME",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "DYLD_INSERT_LIBRARIES",
    "NODE_OPTIONS",
    "NODE_PATH",
    "NPM_CONFIG_SCRIPT_SHELL",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PERL5OPT",
    "RUBYOPT",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "MAVEN_OPTS",
    "DOTNET_STARTUP_HOOKS",
    "GIT_SSH_COMMAND",
    "GIT_CONFIG_COUNT",
    "GIT_ASKPASS",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
]


def build(
    arguments: dict[str, Any],
    env: list[str] | None = None,
    versions: list[str] | None = None,
    *,
    dry: bool = False,
) -> FakeAwsCaller:
    """Start a build of the listed project with the given override lists; the caller, which
    holds the requests that were made."""
    caller = FakeAwsCaller(BUILT)
    lists = {BUILD_ENVIRONMENT: env or [], BUILD_SOURCE_VERSION: versions or []}
    performer = AwsPerformer(AllowList({BUILD_PROJECT: [PROJECT]}), caller, OverrideList(lists))
    if dry:
        performer.describe("aws.start_build", {"project": "build-web", **arguments})
    else:
        performer.perform("aws.start_build", {"project": "build-web", **arguments}, 10.0)
    return caller


def refused(arguments: dict[str, Any], env=None, versions=None, *, dry: bool = False) -> str:
    with pytest.raises(ActionRefused) as error:
        build(arguments, env, versions, dry=dry)
    return str(error.value)


# nothing by default --------------------------------------------------------------------------


@pytest.mark.parametrize("dry", [False, True], ids=["performed", "dry run"])
def test_no_override_is_allowed_by_default(dry: bool):
    # When a build overrides a variable, or its source version, with empty lists
    env = refused({"env": {"GIT_REF": "refs/heads/main"}}, dry=dry)
    version = refused({"source_version": COMMIT}, dry=dry)

    # Then both are refused, naming the variable and the parameter, never the version
    assert env == (
        "aws.start_build: environment variable GIT_REF is not allowed by "
        "ActionBuildEnvironmentVariables"
    )
    assert version == (
        "aws.start_build: the source version is not allowed by ActionBuildSourceVersions"
    )
    assert COMMIT not in version


def test_a_build_without_overrides_needs_no_list():
    # When / Then
    assert len(build({}).calls) == 1


# patterns match whole names and versions -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("GIT_REF", True),
        ("DEPLOY_STAGE", True),
        ("GIT_REF2", False),  # a pattern is not a prefix
        ("XGIT_REF", False),  # nor a suffix
        ("GIT_RE", False),
        ("git_ref", False),  # nor case-insensitive
        ("DEPLOY_", False),
        ("DEPLOY_stage", False),
    ],
)
def test_a_variable_is_allowed_only_when_a_pattern_matches_its_whole_name(name, allowed):
    # Given
    patterns = ["GIT_REF", "DEPLOY_[A-Z_]+"]
    arguments = {"env": {name: "x"}}

    # When / Then
    if allowed:
        [(request, _)] = build(arguments, patterns).calls
        assert request.params["environmentVariablesOverride"][0]["name"] == name
    else:
        assert f"{name} is not allowed" in refused(arguments, patterns)


@pytest.mark.parametrize(
    ("version", "allowed"),
    [
        (COMMIT, True),
        ("refs/heads/main", True),
        (COMMIT.upper(), False),
        (COMMIT[:39], False),
        (COMMIT + "0", False),
        ("refs/heads/main-evil", False),
        ("pr/12", False),  # a pull request, perhaps from a fork
        ("refs/pull/12/head", False),
        (" " + COMMIT, False),
    ],
)
def test_a_source_version_is_allowed_only_when_a_pattern_matches_it_whole(version, allowed):
    # Given
    patterns = ["[0-9a-f]{40}", "refs/heads/main"]
    arguments = {"source_version": version}

    # When / Then
    if allowed:
        [(request, _)] = build(arguments, versions=patterns).calls
        assert request.params["sourceVersion"] == version
    else:
        assert refused(arguments, versions=patterns).endswith("by ActionBuildSourceVersions")


@given(name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True))
def test_any_name_no_pattern_matches_whole_is_refused(name: str):
    # Given patterns that allow two names
    patterns = ["GIT_REF", "STAGE"]

    # When / Then exactly those two go through
    caller = FakeAwsCaller(BUILT)
    lists = {BUILD_ENVIRONMENT: patterns}
    performer = AwsPerformer(AllowList({BUILD_PROJECT: [PROJECT]}), caller, OverrideList(lists))
    call = {"project": "build-web", "env": {name: "x"}}
    if name in patterns:
        performer.perform("aws.start_build", call, 10.0)
    elif not name.startswith("CODEBUILD_"):  # refused as an argument, before any list
        with pytest.raises(ActionRefused):
            performer.perform("aws.start_build", call, 10.0)
    assert len(caller.calls) == (1 if name in patterns else 0)


# variables that run code: refused whatever the patterns ---------------------------------------


@pytest.mark.parametrize("name", STARTUP_VARIABLES)
def test_a_variable_that_makes_programs_run_code_is_refused_even_if_allowed(name: str):
    # Given a pattern that allows every name
    message = refused({"env": {name: "x"}}, [".*"])

    # Then the refusal names the variable and the rule
    assert message == (
        f"aws.start_build: environment variable {name} changes what the build's programs "
        "load or run; refused whatever ActionBuildEnvironmentVariables allows"
    )


@pytest.mark.parametrize("name", ["bash_env", "Ld_Preload", "node_options", "Path", "aws_profile"])
def test_startup_variables_are_refused_in_any_case(name: str):
    # When / Then (Windows builds read names without regard to case)
    assert "changes what the build's programs load or run" in refused({"env": {name: "x"}}, [".*"])


def test_one_refused_variable_refuses_the_whole_call():
    # When a build sets an allowed variable and a refused one
    with pytest.raises(ActionRefused):
        build({"env": {"GIT_REF": "main", "BASH_ENV": "/tmp/x"}}, [".*"])


# the lists as settings -----------------------------------------------------------------------


def test_settings_read_the_lists_comma_separated():
    # When
    settings = Settings.from_environ(
        {
            "ACTION_BUILD_ENVIRONMENT_VARIABLES": "GIT_REF, DEPLOY_[A-Z]+",
            "ACTION_BUILD_SOURCE_VERSIONS": "[0-9a-f]{40}",
        }
    )

    # Then
    assert settings.action_build_environment_variables == ("GIT_REF", "DEPLOY_[A-Z]+")
    assert settings.action_build_source_versions == ("[0-9a-f]{40}",)
    assert [override.setting for override in OVERRIDES] == [
        "action_build_environment_variables",
        "action_build_source_versions",
    ]


def test_a_list_entry_that_is_not_a_regular_expression_stops_the_container():
    # When / Then
    with pytest.raises(ValidationError, match=r"ActionBuildSourceVersions: '\[0-9' is not a"):
        Settings.from_environ({"ACTION_BUILD_SOURCE_VERSIONS": "[0-9"})


# event sources ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "aws.codebuild",
        "AWS.codebuild",
        "Aws.x",
        " aws.x",
        "\taws.x",
        "aws.x ",
        "\u00a0aws.x",  # no-break space
        "\u3000aws.x",  # ideographic space
        "\u200baws.x",  # zero-width space
        "a\u200bws.x",
        "\ufeffaws.x",  # byte order mark
        "\uff41\uff57\uff53.x",  # fullwidth letters
        "\uff21\uff37\uff33.x",
        "aws\uff0ex",  # fullwidth full stop
        "aws\ufe52x",  # small full stop
        "aw\u017f.x",  # long s, case-folded to s
    ],
)
def test_an_event_source_that_is_awss_own_in_any_spelling_is_refused(source: str):
    # When / Then
    with pytest.raises(ActionError, match=r"sources starting with 'aws\.' are AWS's own"):
        parse_action("put_event", {"detail_type": "t", "detail": {}, "source": source})


@pytest.mark.parametrize("source", ["github", "aws-builds", "awsx.y", "my.aws.x", "a.ws.x"])
def test_other_event_sources_are_sent_as_given(source: str):
    # Given
    caller = FakeAwsCaller({"put_events": {"Entries": [{"EventId": "e-1"}]}})
    performer = AwsPerformer(AllowList({EVENT_BUS: [BUS]}), caller)

    # When
    performer.perform("aws.put_event", {"detail_type": "t", "detail": {}, "source": source}, 10.0)

    # Then
    [(request, _)] = caller.calls
    assert request.params["Entries"][0]["Source"] == source
