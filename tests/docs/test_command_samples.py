"""Every `bash` block of the docs holds commands that need AWS, a terminal of their own or a
reader's files; each command is checked against what it names, so that none can drift:

- `webhooks ...`: the CLI's own parser accepts it;
- `make TARGET VAR=...`: the target and the variables are the Makefile's; variables set before
  `make serve` are read by the local stack; `PARAMETERS` hold template parameters;
- `sam deploy --parameter-overrides Name=value ...`: parameters of the template, with values it
  accepts (allowed pattern, values, range);
- `.venv/bin/pytest PATHS`: the paths exist;
- `.venv/bin/python -m webhooks_local|webhooks_bench OPTIONS`: the local stack's or the
  benchmark's parser takes those options;
- `.venv/bin/python - FILES <<'EOF'`: the script compiles and the files exist (or an earlier
  command of the block writes them).

Every `json` block parses.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.docs.samples import REPO, Block, samples
from webhooks_bench import main as bench_main
from webhooks_cli.main import build_parser
from webhooks_local import main as local_main
from webhooks_testbed import template
from webhooks_testbed.template import LOCAL_PARAMETERS, load_template

COMMANDS = samples("bash")
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
# What the local stack reads: its own package, and the testbed's it builds on.
LOCAL_SOURCES = " ".join(
    path.read_text(encoding="utf-8")
    for package in (local_main, template)
    for path in Path(package.__file__).parent.glob("*.py")
)
PARSERS = {"webhooks_local": local_main._parser, "webhooks_bench": bench_main._parser}
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_REDIRECTS = frozenset({">", ">>", "<", "2>", "2>&1"})


@dataclass(frozen=True)
class Command:
    words: list[str]  # without leading assignments, redirections and comments
    assignments: dict[str, str]
    heredoc: str | None
    writes: list[str]  # files it redirects its output to


def commands(block: Block) -> list[Command]:
    """The block's commands: continuation lines joined, heredocs taken apart."""
    found: list[Command] = []
    lines = iter(block.text.replace("\\\n", " ").splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        marker = re.search(r"<<-?'?(\w+)'?", line)
        heredoc = "\n".join(iter(lines.__next__, marker[1])) if marker else None
        text = line[: marker.start()] + line[marker.end() :] if marker else line
        found.append(_command(shlex.split(text, comments=True), heredoc))
    return found


def _command(words: list[str], heredoc: str | None) -> Command:
    assignments: dict[str, str] = {}
    while words and (assignment := _ASSIGNMENT.match(words[0])):
        assignments[assignment[1]] = assignment[2]
        words = words[1:]
    kept, writes = [], []
    tokens = iter(words)
    for word in tokens:
        if word in _REDIRECTS:
            target = next(tokens, "") if word != "2>&1" else ""
            writes += [target] if word.startswith(">") else []
        else:
            kept.append(word)
    return Command(kept, assignments, heredoc, writes)


def check_webhooks(command: Command, _: list[str]) -> None:
    with contextlib.redirect_stderr(io.StringIO()) as errors:
        try:
            build_parser().parse_args(command.words[1:])
        except SystemExit:
            pytest.fail(f"webhooks refuses {shlex.join(command.words)}: {errors.getvalue()}")


@pytest.fixture
def reader_files(tmp_path, monkeypatch):
    """A working directory where the repository's files are, and a stand-in for each other
    file a command names (the reader's own, or one an earlier command writes): the CLI reads
    `-f FILE` and `@FILE` as it parses."""
    monkeypatch.chdir(tmp_path)

    def provide(block: Block) -> None:
        for word in re.findall(r"@?([\w./-]+\.(?:yaml|json|py))\b", block.text):
            path = tmp_path / word
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                if (REPO / word).exists():
                    path.symlink_to(REPO / word)
                else:
                    path.write_text("")

    return provide


def check_make(command: Command, _: list[str]) -> None:
    targets = re.search(r"^\.PHONY: (.*)$", MAKEFILE, re.MULTILINE)
    assert targets, "the Makefile lists its targets in .PHONY"
    [target, *variables] = command.words[1:]
    assert target in targets[1].split(), f"make has no target {target}"
    for variable in variables:
        name, _, value = variable.partition("=")
        assert re.search(rf"\$\({name}\)|^{name} \??=", MAKEFILE, re.MULTILINE), name
        if name == "PARAMETERS":
            check_parameters(shlex.split(value))
    for name in command.assignments:
        read = name in LOCAL_PARAMETERS or re.search(rf"\b{name}\b", LOCAL_SOURCES)
        assert target == "serve", f"make {target} takes no {name} from its environment"
        assert read, f"make serve reads no {name}"


def check_sam(command: Command, _: list[str]) -> None:
    assert command.words[1:3] == ["deploy", "--parameter-overrides"], command.words
    check_parameters(command.words[3:])


def check_parameters(overrides: list[str]) -> None:
    parameters = load_template()["Parameters"]
    for override in overrides:
        name, _, value = override.partition("=")
        assert name in parameters, f"the template has no parameter {name}"
        accepted(name, parameters[name], value)


def accepted(name: str, parameter: dict[str, Any], value: str) -> None:
    """What CloudFormation would check of a value before anything is created."""
    many = parameter["Type"] == "CommaDelimitedList"
    for item in value.split(",") if many else [value]:
        if "AllowedPattern" in parameter:
            assert re.fullmatch(parameter["AllowedPattern"], item), f"{name}: {item}"
        if "AllowedValues" in parameter:
            assert item in map(str, parameter["AllowedValues"]), f"{name}: {item}"
        if parameter["Type"] == "Number":
            low, high = parameter.get("MinValue", float("-inf")), parameter.get("MaxValue")
            assert low <= float(item) <= (high or float("inf")), f"{name}: {item}"


def check_pytest(command: Command, _: list[str]) -> None:
    paths = [w for w in command.words[1:] if not w.startswith("-") and "/" in w]
    for path in paths:
        assert (REPO / path.partition("::")[0]).exists(), f"no test file {path}"


def check_python(command: Command, written: list[str]) -> None:
    if command.words[1] == "-m" and command.words[2] in PARSERS:
        with contextlib.redirect_stderr(io.StringIO()) as errors:
            try:
                PARSERS[command.words[2]]().parse_args(command.words[3:])
            except SystemExit:
                pytest.fail(f"{command.words[2]} refuses {command.words[3:]}: {errors.getvalue()}")
        return
    assert command.words[1] == "-", command.words
    assert command.heredoc is not None, command.words
    compile(command.heredoc, "heredoc", "exec")
    for path in command.words[2:]:
        for file in braces(path):
            assert file in written or (REPO / file).exists(), f"no file {file}"


def braces(path: str) -> list[str]:
    """`a/{b,c}.yaml` as the shell expands it."""
    found = re.search(r"\{([^}]*)\}", path)
    if not found:
        return [path]
    return [path[: found.start()] + part + path[found.end() :] for part in found[1].split(",")]


CHECKS: dict[str, Callable[[Command, list[str]], None]] = {
    "webhooks": check_webhooks,
    "make": check_make,
    "sam": check_sam,
    ".venv/bin/pytest": check_pytest,
    ".venv/bin/python": check_python,
}


@pytest.mark.parametrize("block", COMMANDS, ids=[b.where for b in COMMANDS])
def test_each_command_names_what_exists(block: Block, reader_files):
    # Given the block's commands, the files they name, and those its earlier commands write
    reader_files(block)
    written: list[str] = []
    for command in commands(block):
        # When it is checked against what it names
        check = CHECKS.get(command.words[0])

        # Then it is one the docs know how to check, and it holds
        assert check, f"{block.where}: no check for {command.words[0]}: mark it illustrative"
        check(command, written)
        written += command.writes


@pytest.mark.parametrize("block", samples("json"), ids=[b.where for b in samples("json")])
def test_each_json_sample_parses(block: Block):
    # When / Then
    assert json.loads(block.text)


def test_a_misspelt_command_is_caught(reader_files):
    # Given a block with a command the CLI does not have, and one with a parameter it refuses
    wrong = [
        Block(REPO / "x.md", 1, "bash", (), "webhooks messages lst\n"),
        Block(REPO / "x.md", 1, "bash", (), "sam deploy --parameter-overrides MaxReceiveCount=1\n"),
        Block(REPO / "x.md", 1, "bash", (), "make serv\n"),
    ]

    for block in wrong:
        # When / Then
        with pytest.raises((AssertionError, pytest.fail.Exception)):
            test_each_command_names_what_exists(block, reader_files)
