"""`make deploy` and the README's first commands after it: where the stack goes, and that a CI
deploy does not wait for a yes. Read from `make -n` (what make would run), deploying nothing."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
SAMCONFIG = tomllib.loads((REPO / "samconfig.toml").read_text(encoding="utf-8"))["default"]
STACK_NAME = SAMCONFIG["global"]["parameters"]["stack_name"]
REGION = SAMCONFIG["deploy"]["parameters"]["region"]


def planned(*variables: str, ci: bool = False) -> dict[str, list[str]]:
    """The `sam deploy` and `webhooks` command lines `make deploy` would run, as arguments."""
    environ = {k: v for k, v in os.environ.items() if k not in {"CI", "MAKEFLAGS", "MFLAGS"}}
    environ |= {"CI": "true"} if ci else {}
    lines = subprocess.run(
        ["make", "-n", "deploy", *variables],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    commands = {}
    for line in lines:
        words = shlex.split(line)
        if "deploy" in words and any(word.endswith("/sam") for word in words):
            commands["sam"] = words[words.index("deploy") + 1 :]
        elif words and words[0].endswith("/webhooks"):
            commands["webhooks"] = words[1:]
    return commands


def _option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1]


def test_by_default_the_stack_goes_where_samconfig_says_and_is_then_shown() -> None:
    # When
    commands = planned()

    # Then sam deploy and the summary after it name the same stack in the same region
    for arguments in commands.values():
        assert (_option(arguments, "--stack-name"), _option(arguments, "--region")) == (
            STACK_NAME,
            REGION,
        )
    assert commands["webhooks"][-1] == "stack"
    assert "--no-confirm-changeset" not in commands["sam"]


def test_a_region_and_stack_name_given_reach_both_commands() -> None:
    # When
    commands = planned("REGION=eu-west-1", "STACK_NAME=hooks-test")

    # Then
    assert {
        (_option(arguments, "--stack-name"), _option(arguments, "--region"))
        for arguments in commands.values()
    } == {("hooks-test", "eu-west-1")}


@pytest.mark.parametrize(
    ("variables", "ci"), [((), True), (("CONFIRM=false",), False)], ids=["CI set", "CONFIRM=false"]
)
def test_a_ci_deploy_does_not_wait_for_a_yes(variables: tuple[str, ...], ci: bool) -> None:
    # When
    commands = planned(*variables, ci=ci)

    # Then it neither asks nor fails when nothing changed
    assert {"--no-confirm-changeset", "--no-fail-on-empty-changeset"} <= set(commands["sam"])


def test_parameters_given_are_overrides() -> None:
    # When
    commands = planned("PARAMETERS=AlarmEmail=ops@example.com")

    # Then
    assert _option(commands["sam"], "--parameter-overrides") == "AlarmEmail=ops@example.com"


def test_the_readmes_commands_after_a_deploy_name_the_stacks_region() -> None:
    # Given the README's deploy section
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploy to AWS", 1)[1].split("\n## ", 1)[0]

    # When
    commands = re.findall(r"^webhooks .*$", section, flags=re.MULTILINE)

    # Then each one finds the stack from any default region
    assert commands
    for command in commands:
        words = shlex.split(command.split("#")[0])
        assert (_option(words, "--stack-name"), _option(words, "--region")) == (STACK_NAME, REGION)
