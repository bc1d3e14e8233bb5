"""The engine's side of the script worker: start it, feed it, time it, replace it.

One `Supervisor` per container starts the worker on first use (a fresh interpreter with an
empty environment, never a fork: a forked child would inherit the credentials, clients and
caches in this process's memory) and keeps it warm. It sends each message's request once, then
one `run` frame per script, and waits for the `result` with a deadline of the script's time
limit plus a grace period (its writes to the worker, answers to calls among them, obey the
same deadline). The worker's own timer stops Python code at the limit; the grace
period is for code stuck in C (a loop inside a builtin, a catastrophic regular expression, a
blocking call), which the engine stops by killing the worker.

A worker that dies (a signal, its memory or CPU limit, killed at the deadline) fails that run
only, with an error that says what happened; the next run starts a new worker. Every frame that
comes back is validated (types, sizes) before anything of it is used.
"""

from __future__ import annotations

import base64
import ctypes
import functools
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import RestrictedPython
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, TypeAdapter
from pydantic import ValidationError as FrameInvalid

import webhook_engine
from webhook_engine.sandbox.names import (
    LOG_LEVELS,
    MAX_LOG_ENTRIES,
    MAX_LOG_LENGTH,
    MAX_SUMMARY_LENGTH,
)
from webhook_engine.sandbox.protocol import (
    MAX_REPLY_FRAME,
    ChannelClosed,
    Frame,
    FrameReader,
    FrameTimeout,
    FrameTooLarge,
    encode,
    write_all,
)
from webhook_engine.sandbox.worker import EXIT_MEMORY, WorkerLimits
from webhook_engine.toolkit.errors import ActionError, ActionRefused

GRACE_SECONDS = 0.5  # after the time limit, before the worker is killed
START_TIMEOUT = 20.0  # a cold worker imports the sandbox in well under a second
_PR_SET_DUMPABLE = 4
Call = Callable[[dict[str, JsonValue]], JsonValue]
Kind = Literal["match", "function"]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _LogLine(_Frame):
    level: Literal[LOG_LEVELS]  # type: ignore[valid-type]
    message: str = Field(max_length=MAX_LOG_LENGTH)
    at: AwareDatetime


class _Failure(_Frame):
    type: str = Field(max_length=100)
    message: str = Field(max_length=2000)
    line: int | None = Field(default=None, ge=1)


class _Ready(_Frame):
    type: Literal["ready"]
    pid: int


class _Result(_Frame):
    type: Literal["result"]
    id: int
    ok: bool
    truthy: bool
    logs: list[_LogLine] = Field(max_length=MAX_LOG_ENTRIES)
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY_LENGTH)
    error: _Failure | None = None
    retire: bool = False


class _Call(_Frame):
    type: Literal["call"]
    id: int
    run: int
    target: str = Field(max_length=100)
    args: dict[str, JsonValue]


_FRAMES: TypeAdapter[_Ready | _Result | _Call] = TypeAdapter(
    Annotated[_Ready | _Result | _Call, Field(discriminator="type")]
)


@dataclass(frozen=True)
class LogLine:
    level: str
    message: str
    at: datetime


@dataclass(frozen=True)
class ScriptRequest:
    """One message's request as scripts see it; sent to a worker once."""

    key: int
    fields: dict[str, str | dict[str, str]]


_keys = itertools.count(1)


def script_request(
    *,
    message_id: str,
    method: str,
    uri: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    source_ip: str,
    received_at: datetime,
) -> ScriptRequest:
    """The request frame's data for one message (a new key each time)."""
    fields: dict[str, str | dict[str, str]] = {
        "message_id": message_id,
        "method": method,
        "uri": uri,
        "query_string": query_string,
        "headers": dict(headers),
        "body": base64.b64encode(body).decode("ascii"),
        "source_ip": source_ip,
        "received_at": received_at.isoformat(),
    }
    return ScriptRequest(next(_keys), fields)


@dataclass(frozen=True)
class ScriptRun:
    """One script to run: its source, its name (`provider:GitHub`), props and time limit."""

    source: str
    name: str
    kind: Kind
    props: Mapping[str, str]
    timeout: float


@dataclass
class ScriptOutcome:
    """What one run produced; `error` is set when it failed (then `error_line` may be)."""

    ok: bool = False
    truthy: bool = False
    logs: list[LogLine] = field(default_factory=list)
    summary: str | None = None
    error: str | None = None
    error_line: int | None = None


class _Process:
    """One worker process and the engine's ends of its pipes."""

    def __init__(self, command: Sequence[str], environment: Mapping[str, str]) -> None:
        self.popen = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(environment),
            close_fds=True,
            cwd="/",
        )
        assert self.popen.stdin is not None
        assert self.popen.stdout is not None
        self._in = self.popen.stdin.fileno()
        os.set_blocking(self._in, False)  # writes wait for the worker until a deadline only
        self._reader = FrameReader(self.popen.stdout.fileno(), MAX_REPLY_FRAME)
        self.request_key: int | None = None
        self.ready = False

    def send(self, deadline: float, *frames: Frame) -> None:
        write_all(self._in, b"".join(encode(frame) for frame in frames), deadline)

    def receive(self, deadline: float) -> _Ready | _Result | _Call:
        return _FRAMES.validate_json(self._reader.read_line(deadline))

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.close()

    def close(self) -> int:
        """Close the pipes and reap the process (killing it if it does not exit at once)."""
        assert self.popen.stdin is not None
        assert self.popen.stdout is not None
        self.popen.stdin.close()
        try:
            code = self.popen.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait()
        self.popen.stdout.close()
        return code


class UnexpectedFrame(Exception):
    """A valid frame the engine did not ask for (another run's result, a stray call)."""


class WorkerDied(Exception):
    """The worker process is gone or unusable; the message says why, as an execution error."""


class Supervisor:
    """Runs scripts in the container's script worker, starting and replacing it as needed.

    One run at a time (Lambda and the local stack's workers run one invocation at a time).
    """

    def __init__(
        self,
        limits: WorkerLimits | None = None,
        command: Sequence[str] | None = None,
        grace: float = GRACE_SECONDS,
    ) -> None:
        self.limits = limits or WorkerLimits()
        self.grace = grace
        self._command = list(command or worker_command(self.limits))
        self._process: _Process | None = None
        self._ids = itertools.count(1)
        self.started = 0  # workers started so far (a replaced worker counts again)

    def run(
        self, request: ScriptRequest, run: ScriptRun, calls: Mapping[str, Call] | None = None
    ) -> ScriptOutcome:
        """Run one script in the worker; its failures, the worker's death included, come back
        as the outcome's error."""
        try:
            process = self._ready_process()
            result = self._exchange(process, request, run, calls or {})
        except WorkerDied as died:
            return ScriptOutcome(error=str(died))
        return _outcome(result, self.limits)

    def start(self) -> None:
        """Start the worker now, without waiting for it (a cold start overlapping other work)."""
        if self._process is None:
            shield_environment()
            self._process = _Process(self._command, worker_environment())
            self.started += 1

    def close(self) -> None:
        """Stop the worker (it exits when its stdin closes)."""
        if self._process is not None:
            self._process.close()
            self._process = None

    def _ready_process(self) -> _Process:
        if self._process is not None and self._process.popen.poll() is not None:
            self._discard(self._process).close()  # died while idle: no run's fault
        self.start()
        assert self._process is not None
        process = self._process
        if not process.ready:
            try:
                frame = process.receive(time.monotonic() + START_TIMEOUT)
            except (ChannelClosed, FrameTimeout, FrameTooLarge, FrameInvalid, OSError):
                raise self._lost(process, "script process did not start") from None
            if not isinstance(frame, _Ready):
                raise self._lost(process, "script process did not start")
            process.ready = True
        return process

    def _exchange(
        self, process: _Process, request: ScriptRequest, run: ScriptRun, calls: Mapping[str, Call]
    ) -> _Result:
        run_id = next(self._ids)
        frames: list[Frame] = []
        if process.request_key != request.key:
            frames.append({"type": "request", "key": str(request.key), "request": request.fields})
        frames.append(_run_frame(run_id, request, run))
        deadline = time.monotonic() + run.timeout + self.grace
        try:
            process.send(deadline, *frames)
            process.request_key = request.key
            result = self._await_result(process, run_id, deadline, run.kind, calls)
        except FrameTimeout:
            raise self._lost(process, _killed_at_limit(run.timeout), kill=True) from None
        except (FrameTooLarge, FrameInvalid, UnexpectedFrame) as error:
            reason = f"script process sent an invalid reply ({_first_line(error)})"
            raise self._lost(process, reason, kill=True) from None
        except (ChannelClosed, OSError):
            raise self._lost(process, None) from None
        if result.retire:
            self._discard(process).close()
        return result

    def _await_result(
        self,
        process: _Process,
        run_id: int,
        deadline: float,
        kind: Kind,
        calls: Mapping[str, Call],
    ) -> _Result:
        while True:
            frame = process.receive(deadline)
            if isinstance(frame, _Result) and frame.id == run_id:
                return frame
            if isinstance(frame, _Call) and frame.run == run_id:
                process.send(deadline, _answer(frame, calls, kind))
                continue
            raise UnexpectedFrame(f"unexpected {frame.type} frame")

    def _lost(self, process: _Process, reason: str | None, kill: bool = False) -> WorkerDied:
        """Discard the worker; the error names `reason`, or the cause of its death."""
        self._discard(process)
        if kill:
            process.kill()
            return WorkerDied(reason)
        code = process.close()
        return WorkerDied(reason or describe_exit(code, self.limits))

    def _discard(self, process: _Process) -> _Process:
        if self._process is process:
            self._process = None
        return process


def _run_frame(run_id: int, request: ScriptRequest, run: ScriptRun) -> Frame:
    return {
        "type": "run",
        "id": run_id,
        "key": str(request.key),
        "name": run.name,
        "source": run.source,
        "kind": run.kind,
        "props": dict(run.props),
        "timeout": run.timeout,
    }


def _answer(call: _Call, calls: Mapping[str, Call], kind: Kind) -> Frame:
    """The engine's reply to a toolkit call: its value, or the ActionError that refused or
    failed it (any other failure of a handler is reported without its details)."""
    handler = calls.get(call.target)
    try:
        if handler is None:
            raise ActionRefused(f"{call.target} is not available to {kind} scripts")
        reply = {"type": "reply", "id": call.id, "ok": True, "value": handler(call.args)}
        encode(reply)  # a value that is not JSON data is the handler's failure
        return reply
    except ActionError as error:
        failure, kind_name = str(error)[:2000], type(error).__name__
    except Exception as error:  # a handler's own bug: the script learns that it failed
        failure, kind_name = f"{call.target} failed ({type(error).__name__})", "ActionError"
    return {"type": "reply", "id": call.id, "ok": False, "error": failure, "kind": kind_name}


def _outcome(result: _Result, limits: WorkerLimits) -> ScriptOutcome:
    outcome = ScriptOutcome(
        ok=result.ok,
        truthy=result.ok and result.truthy,
        logs=[LogLine(line.level, line.message, line.at) for line in result.logs],
        summary=result.summary,
    )
    if not result.ok:
        error = result.error or _Failure(type="ScriptError", message="ScriptError")
        outcome.error, outcome.error_line = error.message, error.line
        if error.type == "MemoryError":
            outcome.error = memory_error(limits)
    return outcome


def describe_exit(code: int, limits: WorkerLimits) -> str:
    """Why a worker ended, as an execution error."""
    if code == EXIT_MEMORY:
        return memory_error(limits)
    if code < 0:
        number = -code
        name = signal.Signals(number).name if number in signal.valid_signals() else "unknown"
        if number == signal.SIGXCPU:
            return f"ScriptTimeoutError: script process killed: CPU time limit (signal {number}, {name})"
        return f"ScriptProcessError: script process killed: signal {number} ({name})"
    return f"ScriptProcessError: script process exited with code {code}"


def memory_error(limits: WorkerLimits) -> str:
    return f"MemoryError: script process killed: memory limit {limits.memory_mb} MB"


def _killed_at_limit(timeout: float) -> str:
    return f"ScriptTimeoutError: script ran longer than {timeout:g} s; script process killed"


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200]


def worker_command(limits: WorkerLimits) -> list[str]:
    """A fresh interpreter without site packages, cwd on its path or bytecode writes."""
    return [
        sys.executable,
        "-S",
        "-P",
        "-B",
        "-m",
        "webhook_engine.sandbox.worker",
        limits.to_json(),
    ]


def worker_environment() -> dict[str, str]:
    """The worker's whole environment: where its code is, and UTC. Nothing of this process's."""
    paths = dict.fromkeys(
        str(Path(package.__file__ or "").resolve().parents[1])
        for package in (webhook_engine, RestrictedPython)
    )
    return {
        "PYTHONPATH": os.pathsep.join(paths),
        "TZ": "UTC",
        "LC_CTYPE": "C.UTF-8",
        "PYTHONUTF8": "1",
    }


@functools.cache
def shield_environment() -> bool:
    """Make this process non-dumpable (Linux), once: processes of the same user, the worker
    among them, can then no longer read its /proc/<pid>/environ or memory, where the function's
    credentials are. It does not bind root. False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)


class Supervisors:
    """A worker per owner (a provider), so that a worker only ever holds the props of one
    provider, even if a script got past the language and stayed in it. At most `size` are
    kept; the least recently used one is stopped. A spare can be started ahead of need."""

    def __init__(self, limits: WorkerLimits | None = None, size: int = 4) -> None:
        self.limits = limits or WorkerLimits()
        self.size = size
        self._owned: OrderedDict[str, Supervisor] = OrderedDict()
        self._spare: Supervisor | None = None

    def of(self, owner: str) -> Supervisor:
        """The supervisor of `owner`'s worker (the spare, or a new one, the first time)."""
        supervisor = self._owned.pop(owner, None) or self._spare or Supervisor(self.limits)
        if supervisor is self._spare:
            self._spare = None
        self._owned[owner] = supervisor
        while len(self._owned) > self.size:
            _, oldest = self._owned.popitem(last=False)
            oldest.close()
        return supervisor

    def start_spare(self) -> None:
        """Start a worker for the next new owner now (its cold start overlapping other work)."""
        if self._spare is None:
            self._spare = Supervisor(self.limits)
            self._spare.start()

    def close(self) -> None:
        for supervisor in [*self._owned.values(), *filter(None, [self._spare])]:
            supervisor.close()
        self._owned.clear()
        self._spare = None


@functools.cache
def default_supervisors() -> Supervisors:
    """The container's workers, with the memory limit of its settings."""
    from webhook_engine.settings import get_settings

    return Supervisors(WorkerLimits(memory_mb=get_settings().script_memory_mb))
