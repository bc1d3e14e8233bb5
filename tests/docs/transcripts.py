"""Shell transcripts of the docs (`console` blocks): `$ ` commands and what they print, run in
one bash session against a local stack that the page's first command, `make serve`, starts.

What a command prints is compared with what the page shows, where `...` stands for anything and
the values that differ on every run match any value of their shape: message ids (ULIDs, bound on
first sight so that later commands may use them), UUIDs, times, durations and loopback ports.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.docs.samples import REPO, Block

DOC_URL = "http://127.0.0.1:3000"  # what the pages show; the stack's own URL replaces it
DOC_TOKEN = "<token>"
DOC_STATE = ".local/stack.json"
_HEREDOC = re.compile(r"<<-?'?(\w+)'?")
_SHAPES = {
    "lines": r"^\.\.\.\n",  # a line of its own: any lines, or none
    "ulid": r"\b[0-9A-HJKMNP-TV-Z]{26}\b",
    "uuid": r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    "datetime": r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?Z?",
    "time": r"\b\d\d:\d\d:\d\d\b",
    "ms": r"\b\d+(?:\.\d+)? ms\b",
    "port": r"127\.0\.0\.1:\d+",
    "any": r"\.\.\.",
    "spaces": r" {2,}",
}
_TOKEN = re.compile(
    "|".join(f"(?P<{name}>{shape})" for name, shape in _SHAPES.items()), re.MULTILINE
)
# What each shape matches in what a command printed (the others: any value of their shape).
_MATCHED = {"lines": "(?:[^\n]*\n)*?", "any": ".*?", "spaces": " +"}


@dataclass(frozen=True)
class Step:
    command: str
    expected: str


def steps(block: Block) -> list[Step]:
    """The block's commands, with their continuation lines and heredocs, and their output."""
    found: list[Step] = []
    command: list[str] = []
    output: list[str] = []
    until: str | None = None  # the end of an open heredoc
    for line in block.text.splitlines():
        if until is not None or (command and command[-1].endswith("\\")):
            command.append(line)
            until = None if line == until else until
        elif line.startswith("$ "):
            if command:
                found.append(Step("\n".join(command), "\n".join(output)))
            command, output = [line[2:]], []
            heredoc = _HEREDOC.search(line)
            until = heredoc[1] if heredoc else None
        else:
            output.append(line)
    if command:
        found.append(Step("\n".join(command), "\n".join(output)))
    return found


@dataclass
class Matcher:
    """Compares what a command printed with what the page shows; binds message ids."""

    ids: dict[str, str] = field(default_factory=dict)  # shown id -> actual id

    def pattern(self, expected: str) -> tuple[re.Pattern[str], dict[str, str]]:
        parts: list[str] = []
        groups: dict[str, str] = {}  # group name -> shown id, for ids seen the first time
        position = 0
        for token in _TOKEN.finditer(expected):
            parts.append(re.escape(expected[position : token.start()]))
            parts.append(self._part(token, groups))
            position = token.end()
        parts.append(re.escape(expected[position:]))
        return re.compile("".join(parts), re.DOTALL), groups

    def _part(self, token: re.Match[str], groups: dict[str, str]) -> str:
        kind, text = token.lastgroup or "", token[0]
        if kind != "ulid":
            return _MATCHED.get(kind, _SHAPES[kind])
        if text in self.ids:
            return re.escape(self.ids[text])
        named = {shown: name for name, shown in groups.items()}
        if text in named:
            return f"(?P={named[text]})"
        name = f"id{len(groups)}"
        groups[name] = text
        return f"(?P<{name}>{_SHAPES['ulid']})"

    def matches(self, expected: str, actual: str) -> bool:
        pattern, groups = self.pattern(expected.rstrip("\n"))
        found = pattern.fullmatch(actual.rstrip("\n"))
        if found:
            self.ids |= {shown: found[name] for name, shown in groups.items()}
        return found is not None

    def command(self, text: str) -> str:
        for shown, actual in self.ids.items():
            text = text.replace(shown, actual)
        return text


class Shell:
    """One bash session: each command's output (stdout and stderr) up to a marker line."""

    def __init__(self, environment: dict[str, str], cwd: Path = REPO) -> None:
        self._marker = f"--- done {os.getpid()}-{time.monotonic_ns()} ---"
        self._lines: queue.Queue[str] = queue.Queue()
        self._bash = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._bash.stdout is not None
        for line in self._bash.stdout:
            self._lines.put(line)

    def run(self, command: str, timeout: float = 120.0) -> str:
        assert self._bash.stdin is not None
        self._bash.stdin.write(f"{command}\necho; echo '{self._marker}'\n")
        self._bash.stdin.flush()
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while (line := self._lines.get(timeout=max(0.0, deadline - time.monotonic()))) != (
            self._marker + "\n"
        ):
            lines.append(line)
        return "".join(lines).removesuffix("\n")  # the newline `echo` adds

    def close(self) -> None:
        os.killpg(self._bash.pid, signal.SIGKILL)
        self._bash.wait()


@contextmanager
def serving(
    command: str, environment: dict[str, str], cwd: Path = REPO, patience: float = 120.0
) -> Iterator[tuple[str, str, str]]:
    """Run the page's `make serve` command in `cwd`; yield what it printed up to its banner's
    end (within `patience` seconds), the stack's URL and its admin token, then stop it (SIGINT
    to its process group, as Ctrl-C does)."""
    stack = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        printed = _banner(stack, patience)
        url = re.search(r"Webhooks: +(http://127\.0\.0\.1:\d+)/webhooks/", printed)
        token = re.search(r"Admin token: +(\S+)", printed)
        assert url, printed
        assert token, printed
        yield printed, url[1], token[1]
    finally:
        os.killpg(stack.pid, signal.SIGINT)
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()


def _banner(stack: subprocess.Popen[str], timeout: float = 120.0) -> str:
    """What the stack prints until it says how to stop it (or fails)."""
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert stack.stdout is not None
        for line in stack.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C stops it."):
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(timeout)
    printed = "".join(lines)
    assert printed.rstrip().endswith("Ctrl-C stops it."), printed
    return printed


def environment(state: Path) -> dict[str, str]:
    """A reader's shell: no AWS or WEBHOOKS_ variables of the test's own, a free port and a
    state file of its own for the stack; and the session's call log, so that the stacks the
    pages start are part of the permissions' proof (make permissions)."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "WEBHOOKS_", "PYTEST_", "POWERTOOLS_"))
        and name not in {"PORT", "VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS"}
    }
    log = {name: os.environ[name] for name in ("WEBHOOKS_CALL_LOG",) if name in os.environ}
    return (
        kept
        | log
        | {
            "PORT": "0",
            "WEBHOOKS_LOCAL_STATE": str(state),
            "PYTHONUNBUFFERED": "1",
        }
    )


def page_steps(page_blocks: list[Block]) -> list[tuple[Block, Step]]:
    return [(block, step) for block in page_blocks for step in steps(block)]


def local(command: str, url: str, token: str, state: Path) -> str:
    """A page's command as run against this stack."""
    return command.replace(DOC_URL, url).replace(DOC_TOKEN, token).replace(DOC_STATE, str(state))


SERVE = re.compile(r"^(?:[A-Z_]+=\S* )*make serve$")
