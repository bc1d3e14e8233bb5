"""The engine's side of the script sandbox: a zygote per container, and a fresh, confined
script process for each provider's scripts of each message.

`Sandbox.start()` starts the zygote (a clean interpreter with an environment that holds no
credential, see `zygote`) and asks it for spare script processes, so that forking stays off a
message's path. `Sandbox.process()` hands out a `ScriptProcess`: the scripts of one provider for
one message run in it, and it ends when the provider is done, so nothing a script did survives
its message or reaches another provider's. A process is used only after its `ready` frame says
that the protections the deployment requires took effect (see `confinement`).

Every frame that comes back is validated before anything of it is used. The engine waits for
a run's result until the script's time limit plus a grace period, then has the zygote kill the
process: the script's own timer stops Python code at the limit; the grace period is for code
stuck in C. A process that dies fails that run only, with the cause; the provider's next
script gets a new process. A process that cannot start, or dies for a reason that is not its
script's (killed from outside, the zygote gone), raises SandboxUnavailableError: an
infrastructure failure, which the pipeline retries and never records as a script's outcome.
"""

from __future__ import annotations

import base64
import ctypes
import functools
import itertools
import json
import math
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import RestrictedPython
from pydantic import JsonValue
from pydantic import ValidationError as FrameInvalid

import webhook_engine
from webhook_engine.actions.errors import ActionError, ActionRefused
from webhook_engine.domain.clipping import clip
from webhook_engine.domain.errors import UpstreamError
from webhook_engine.observability import report_sandbox
from webhook_engine.sandbox.compiler import COMPILE_CACHE
from webhook_engine.sandbox.confinement import (
    ALWAYS_REQUIRED,
    KERNEL_WALL,
    ProcessLimits,
    Report,
    missing,
)
from webhook_engine.sandbox.frames import FRAMES, CallFrame, FailureFrame, ReadyFrame, ResultFrame
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
from webhook_engine.sandbox.time_limit import seconds_text
from webhook_engine.sandbox.worker import EXIT_BROKEN, EXIT_MEMORY, EXIT_PROTOCOL
from webhook_engine.sandbox.zygote import MAX_DATAGRAM
from webhook_engine.settings import get_settings

GRACE_SECONDS = 0.5  # after the time limit, before the process is killed
START_TIMEOUT = 20.0  # a cold zygote imports the sandbox and probes in well under a second
EXIT_TIMEOUT = 2.0  # for the zygote's notice of how a process whose channel closed ended
SPARES = 2  # script processes forked ahead of need
COMPILED_AHEAD = COMPILE_CACHE  # scripts the zygote keeps compiled for its processes
_PR_SET_DUMPABLE = 4
_STDERR_KEPT = 2000  # characters of a failed zygote's stderr kept in the error
Call = Callable[[dict[str, JsonValue]], JsonValue]
Kind = Literal["match", "function"]


class SandboxUnavailableError(UpstreamError):
    """Script processes cannot run scripts here: an infrastructure failure, not a script's."""

    code = "sandbox_unavailable"
    status = 503


@dataclass(frozen=True)
class LogLine:
    level: str
    message: str
    at: datetime


@dataclass(frozen=True)
class ScriptRequest:
    """One message's request as scripts see it; sent to each of its script processes once."""

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


class _Control:
    """The engine's end of the zygote's control channel (SOCK_SEQPACKET: one frame a datagram)."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock

    def send(self, frame: Frame) -> None:
        """Send one datagram; FrameTooLarge when it would not fit the zygote's reads."""
        data = encode(frame)
        if len(data) > MAX_DATAGRAM:
            raise FrameTooLarge
        self.sock.setblocking(True)
        try:
            self.sock.send(data)
        finally:
            self.sock.setblocking(False)

    def receive(self, deadline: float | None) -> tuple[Frame, int | None]:
        """The next frame and the descriptor it carries; FrameTimeout past `deadline` (None:
        only what is already there), ChannelClosed when the zygote is gone."""
        left = 0.0 if deadline is None else max(deadline - time.monotonic(), 0.0)
        poll = select.poll()
        poll.register(self.sock, select.POLLIN)
        if not poll.poll(left * 1000):
            raise FrameTimeout
        data, fds, _, _ = socket.recv_fds(self.sock, MAX_DATAGRAM, 1)
        if not data:
            raise ChannelClosed
        return json.loads(data), (fds[0] if fds else None)


def _unix_socket(fd: int) -> socket.socket:
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=fd)


class _Child:
    """One script process, seen from the engine's end of its channel."""

    def __init__(self, child_id: int, pid: int, channel: socket.socket) -> None:
        self.id = child_id
        self.pid = pid
        self.channel = channel
        channel.setblocking(False)  # writes wait for the process until a deadline only
        self._reader = FrameReader(channel.fileno(), MAX_REPLY_FRAME)
        self.request_key: int | None = None

    def send(self, deadline: float, *frames: Frame) -> None:
        write_all(self.channel.fileno(), b"".join(encode(frame) for frame in frames), deadline)

    def receive(self, deadline: float) -> ReadyFrame | ResultFrame | CallFrame:
        return FRAMES.validate_json(self._reader.read_line(deadline))

    def close(self) -> None:
        """The process reads the end of its channel and exits."""
        self.channel.close()


class _ZygoteProcess:
    """The zygote process, its control channel, and what it has reported so far."""

    def __init__(self, command: Sequence[str], environment: Mapping[str, str]) -> None:
        engine_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with zygote_end:
            self.popen = subprocess.Popen(
                list(command),
                stdin=zygote_end.fileno(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=dict(environment),
                close_fds=True,
                cwd="/",
            )
        self.control = _Control(engine_end)
        self.report: Report | None = None  # the probe's, once the zygote is ready
        self.unavailable: list[str] = []
        self._ids = itertools.count(1)
        self._forked: dict[int, _Child | str] = {}  # id -> the process, or why the fork failed
        self._exits: dict[int, int] = {}
        self._forgotten: set[int] = set()
        self._compiled: set[tuple[str, str]] = set()  # (name, source) sent to `compile_ahead`

    def wait_ready(self, deadline: float) -> Report:
        while self.report is None:
            self._pump(deadline)
        return self.report

    def alive(self) -> bool:
        return self.popen.poll() is None

    def fork(self) -> int:
        child_id = next(self._ids)
        self.control.send({"type": "fork", "id": child_id})
        return child_id

    def forked(self, child_id: int, deadline: float) -> _Child:
        """The process forked for `child_id`; SandboxUnavailableError if there is none."""
        while child_id not in self._forked:
            self._pump(deadline)
        child = self._forked.pop(child_id)
        if isinstance(child, str):
            raise SandboxUnavailableError(f"script process could not be forked: {child}")
        return child

    def compile_ahead(self, run: ScriptRun) -> None:
        """Have the zygote compile `run`'s script, once: the processes it forks from then on
        find the script in their cache (those forked already compile it themselves). A script
        too large for a datagram is not sent; its processes compile it."""
        key = (run.name, run.source)
        if key in self._compiled:
            return
        if len(self._compiled) >= COMPILED_AHEAD:  # the zygote's cache keeps as many
            self._compiled.clear()
        self._compiled.add(key)
        with suppress(FrameTooLarge, OSError):  # OSError: the zygote is gone; the take says so
            self.control.send({"type": "compile", "name": run.name, "source": run.source})

    def kill(self, child: _Child) -> None:
        """Kill a process by its id (the zygote knows whether it still runs)."""
        with suppress(OSError):  # the zygote is gone, and its processes with it
            self.control.send({"type": "kill", "id": child.id})

    def exit_code(self, child_id: int, deadline: float) -> int | None:
        """How the process ended, as the zygote reported it; None if it cannot say."""
        try:
            while child_id not in self._exits:
                self._pump(deadline)
        except (FrameTimeout, ChannelClosed, OSError):
            return None
        return self._exits.pop(child_id)

    def forget(self, child_id: int) -> None:
        """Its end does not matter (closed normally): drop its exit notice, now or later."""
        if self._exits.pop(child_id, None) is None:
            self._forgotten.add(child_id)

    def drain(self) -> None:
        """File every notice already waiting."""
        try:
            while True:
                self._pump(None)
        except FrameTimeout:
            return

    def _pump(self, deadline: float | None) -> None:
        frame, fd = self.control.receive(deadline)
        child_id = int(frame.get("id", 0))
        if frame["type"] == "ready":
            self.unavailable = [str(step) for step in frame["unavailable"]]
            self.report = {str(name): bool(held) for name, held in frame["protections"].items()}
        elif frame["type"] == "forked" and fd is not None:
            self._forked[child_id] = _Child(child_id, int(frame["pid"]), _unix_socket(fd))
        elif frame["type"] == "failed":
            self._forked[child_id] = str(frame["error"])[:200]
        elif frame["type"] == "exit" and child_id in self._forgotten:
            self._forgotten.discard(child_id)
        elif frame["type"] == "exit":
            self._exits[child_id] = int(frame["code"])

    def failure(self) -> str:
        """Why the zygote stopped: its exit and the end of what it wrote on stderr."""
        self.close()
        assert self.popen.stderr is not None
        os.set_blocking(self.popen.stderr.fileno(), False)
        try:
            text = (self.popen.stderr.read() or b"").decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        code = self.popen.returncode
        ended = "still running" if code is None else describe_exit(code)
        tail = text[-_STDERR_KEPT:]
        return f"{ended}: {tail}" if tail else ended

    def close(self) -> None:
        """Close the control channel (the zygote kills its processes and exits) and reap it."""
        self.control.sock.close()
        for child in self._forked.values():
            if isinstance(child, _Child):
                child.close()
        self._forked.clear()
        try:
            self.popen.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


class Sandbox:
    """The container's script processes: one zygote, spares forked ahead of need, and a fresh
    process for each provider's scripts of each message.

    One message at a time (Lambda and the local stack's workers run one invocation at a time).
    """

    def __init__(
        self,
        limits: ProcessLimits | None = None,
        *,
        command: Sequence[str] | None = None,
        environment: Mapping[str, str] | None = None,
        required: frozenset[str] = ALWAYS_REQUIRED,
        grace: float = GRACE_SECONDS,
        spares: int = SPARES,
        on_ready: Callable[[Report, list[str]], object] = lambda report, missing: None,
    ) -> None:
        self.limits = limits or ProcessLimits()
        self.grace = grace
        self.required = required
        self._command = list(command or zygote_command(self.limits))
        self._environment = dict(environment or worker_environment())
        self._spares_wanted = spares
        self._on_ready = on_ready
        self._zygote: _ZygoteProcess | None = None
        self._spares: deque[int] = deque()
        self.zygotes_started = 0
        self.processes_used = 0

    def start(self) -> None:
        """Start the zygote and ask for spares now, without waiting (a cold start overlapping
        other work)."""
        if self._zygote is not None and not self._zygote.alive():
            self._discard_zygote()
        if self._zygote is None:
            shield_environment()
            self._zygote = _ZygoteProcess(self._command, self._environment)
            self.zygotes_started += 1
            self._top_up(self._zygote)

    def process(self) -> ScriptProcess:
        """A fresh script process for one provider's scripts of one message."""
        return ScriptProcess(self)

    def protections(self) -> Report:
        """What the probe found this kernel lets a script process take."""
        return dict(self._ready_zygote().wait_ready(time.monotonic() + START_TIMEOUT))

    def close(self) -> None:
        if self._zygote is not None:
            self._discard_zygote()

    def compile_ahead(self, run: ScriptRun) -> None:
        """Let processes forked from now on find `run`'s script compiled (see the zygote's).
        A zygote that died is left as it is: the next take replaces it, and says so."""
        if self._zygote is None:
            self.start()
        assert self._zygote is not None
        self._zygote.compile_ahead(run)

    def take(self) -> tuple[_Child, _ZygoteProcess]:
        """A confined, ready process (a spare when one is waiting); SandboxUnavailableError
        when none can be had. A spare lost before its use (or the zygote) is replaced once."""
        reason = ""
        for _ in range(2):
            try:
                return self._take()
            except _SpareLost as lost:
                reason = str(lost)
        raise SandboxUnavailableError(f"script process did not start: {reason}")

    def _take(self) -> tuple[_Child, _ZygoteProcess]:
        zygote = self._ready_zygote()
        deadline = time.monotonic() + START_TIMEOUT
        zygote.drain()
        child_id = self._spares.popleft() if self._spares else zygote.fork()
        self._top_up(zygote)
        child = self._forked(zygote, child_id, deadline)
        self._check_ready(zygote, child, deadline)
        self.processes_used += 1
        return child, zygote

    def _forked(self, zygote: _ZygoteProcess, child_id: int, deadline: float) -> _Child:
        try:
            return zygote.forked(child_id, deadline)
        except (ChannelClosed, OSError, FrameTimeout):
            reason = zygote.failure()
            self._discard_zygote()
            raise _SpareLost(f"the zygote stopped ({reason})") from None

    def _check_ready(self, zygote: _ZygoteProcess, child: _Child, deadline: float) -> None:
        """The process's `ready` frame, and the protections it says took effect."""
        try:
            ready = child.receive(deadline)
        except (ChannelClosed, OSError):
            child.close()
            code = zygote.exit_code(child.id, time.monotonic() + EXIT_TIMEOUT)
            ended = "no exit status" if code is None else describe_exit(code, self.limits)
            raise _SpareLost(f"it ended before its first run ({ended})") from None
        except (FrameTimeout, FrameTooLarge, FrameInvalid) as error:
            _killed(child, zygote, "")
            raise SandboxUnavailableError(
                f"script process did not start ({type(error).__name__})"
            ) from None
        if not isinstance(ready, ReadyFrame):
            _killed(child, zygote, "")
            raise SandboxUnavailableError("script process did not start (no ready frame)")
        lacking = missing(ready.protections, self.required)
        if lacking:
            _killed(child, zygote, "")
            raise SandboxUnavailableError(
                f"script process lacks required protections: {', '.join(lacking)}"
            )

    def _ready_zygote(self) -> _ZygoteProcess:
        self.start()
        assert self._zygote is not None
        zygote = self._zygote
        if zygote.report is None:
            try:
                report = zygote.wait_ready(time.monotonic() + START_TIMEOUT)
            except (FrameTimeout, ChannelClosed, OSError, ValueError, KeyError):
                reason = zygote.failure()
                self._zygote = None
                self._spares.clear()
                raise SandboxUnavailableError(f"script processes cannot start: {reason}") from None
            self._on_ready(report, missing(report, self.required))
        return zygote

    def _top_up(self, zygote: _ZygoteProcess) -> None:
        try:
            while len(self._spares) < self._spares_wanted:
                self._spares.append(zygote.fork())
        except OSError:  # the zygote is gone: the next take starts another
            self._spares.clear()

    def _discard_zygote(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
        self._zygote = None
        self._spares.clear()


class _SpareLost(Exception):
    """A process (or the zygote) was gone before its first run: not a script's doing."""


class _Lost(Exception):
    """The process of a run is gone; `infrastructure` when not because of its script."""

    def __init__(self, reason: str, infrastructure: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.infrastructure = infrastructure


class UnexpectedFrame(Exception):
    """A valid frame the engine did not ask for (another run's result, a stray call)."""


class ScriptProcess:
    """The scripts of one provider for one message, in a process of their own (a new one after
    a script killed it). Close it when the provider is done: the process exits."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._child: _Child | None = None
        self._zygote: _ZygoteProcess | None = None
        self._runs = itertools.count(1)
        self.processes = 0  # processes it used: one, unless a script killed its process

    @property
    def pid(self) -> int | None:
        """The process its next script runs in, if it has one now."""
        return None if self._child is None else self._child.pid

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def run(
        self, request: ScriptRequest, run: ScriptRun, calls: Mapping[str, Call] | None = None
    ) -> ScriptOutcome:
        """Run one script; its failures, its process's death included, come back as the
        outcome's error. SandboxUnavailableError when no process could run it."""
        self._sandbox.compile_ahead(run)
        if self._child is None or self._zygote is None:
            self._child, self._zygote = self._sandbox.take()
            self.processes += 1
        try:
            result = self._exchange(self._child, self._zygote, request, run, calls or {})
        except _Lost as lost:
            self._child = None
            if lost.infrastructure:
                raise SandboxUnavailableError(lost.reason) from None
            return ScriptOutcome(error=lost.reason)
        return _outcome(result, self._sandbox.limits)

    def close(self) -> None:
        if self._child is not None and self._zygote is not None:
            self._zygote.forget(self._child.id)
            self._child.close()
        self._child = None

    def _exchange(
        self,
        child: _Child,
        zygote: _ZygoteProcess,
        request: ScriptRequest,
        run: ScriptRun,
        calls: Mapping[str, Call],
    ) -> ResultFrame:
        run_id = next(self._runs)
        frames: list[Frame] = []
        if child.request_key != request.key:
            frames.append({"type": "request", "key": str(request.key), "request": request.fields})
        frames.append(_run_frame(run_id, request, run))
        deadline = time.monotonic() + run.timeout + self._sandbox.grace
        try:
            child.send(deadline, *frames)
            child.request_key = request.key
            return _await_result(child, run_id, deadline, run.kind, calls)
        except FrameTimeout:
            raise _killed(child, zygote, _killed_at_limit(run.timeout)) from None
        except (FrameTooLarge, FrameInvalid, UnexpectedFrame) as error:
            reason = f"script process sent an invalid reply ({_first_line(error)})"
            raise _killed(child, zygote, reason) from None
        except (ChannelClosed, OSError):
            child.close()
            code = zygote.exit_code(child.id, time.monotonic() + EXIT_TIMEOUT)
            raise _ended(code, self._sandbox.limits) from None


def _await_result(
    child: _Child, run_id: int, deadline: float, kind: Kind, calls: Mapping[str, Call]
) -> ResultFrame:
    while True:
        frame = child.receive(deadline)
        if isinstance(frame, ResultFrame) and frame.id == run_id:
            return frame
        if isinstance(frame, CallFrame) and frame.run == run_id:
            child.send(deadline, _answer(frame, calls, kind))
            continue
        raise UnexpectedFrame(f"unexpected {frame.type} frame")


def _killed(child: _Child, zygote: _ZygoteProcess, reason: str) -> _Lost:
    zygote.kill(child)
    zygote.forget(child.id)
    child.close()
    return _Lost(reason)


def _ended(code: int | None, limits: ProcessLimits) -> _Lost:
    """Why a process ended during a run, and whether its script was the cause."""
    if code is None:
        return _Lost("script process lost: the zygote stopped", infrastructure=True)
    if code == -signal.SIGKILL:
        return _Lost("script process killed from outside (signal 9, SIGKILL)", True)
    if code in (EXIT_PROTOCOL, EXIT_BROKEN):
        return _Lost(f"script process failed: {describe_exit(code, limits)}", True)
    return _Lost(describe_exit(code, limits))


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


def _answer(call: CallFrame, calls: Mapping[str, Call], kind: Kind) -> Frame:
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
        failure, kind_name = clip(str(error), 2000), type(error).__name__
    except Exception as error:  # a handler's own bug: the script learns that it failed
        failure, kind_name = f"{call.target} failed ({type(error).__name__})", "ActionError"
    return {"type": "reply", "id": call.id, "ok": False, "error": failure, "kind": kind_name}


def _outcome(result: ResultFrame, limits: ProcessLimits) -> ScriptOutcome:
    outcome = ScriptOutcome(
        ok=result.ok,
        truthy=result.ok and result.truthy,
        logs=[LogLine(line.level, line.message, line.at) for line in result.logs],
        summary=result.summary,
    )
    if not result.ok:
        error = result.error or FailureFrame(type="ScriptError", message="ScriptError")
        outcome.error, outcome.error_line = error.message, error.line
        if error.type == "MemoryError":
            outcome.error = memory_error(limits)
    return outcome


def describe_exit(code: int, limits: ProcessLimits | None = None) -> str:
    """Why a process ended, as an execution error."""
    if code == EXIT_MEMORY:
        return memory_error(limits or ProcessLimits())
    if code < 0:
        number = -code
        name = signal.Signals(number).name if number in signal.valid_signals() else "unknown"
        if number == signal.SIGXCPU:
            return f"ScriptTimeoutError: script process killed: CPU time limit (signal {number}, {name})"
        return f"ScriptProcessError: script process killed: signal {number} ({name})"
    return f"ScriptProcessError: script process exited with code {code}"


def memory_error(limits: ProcessLimits) -> str:
    return f"MemoryError: script process killed: memory limit {limits.memory_mb} MB"


def _killed_at_limit(timeout: float) -> str:
    return f"ScriptTimeoutError: script ran longer than {seconds_text(timeout)} s; script process killed"


def _first_line(error: Exception) -> str:
    return clip(str(error).splitlines()[0], 200)


def zygote_command(limits: ProcessLimits, executable: str | None = None) -> list[str]:
    """A fresh interpreter without site packages, cwd on its path or bytecode writes."""
    return [
        executable or sys.executable,
        "-S",
        "-P",
        "-B",
        "-m",
        "webhook_engine.sandbox.zygote",
        limits.to_json(),
    ]


def worker_environment(library_path: str = "") -> dict[str, str]:
    """The zygote's whole environment: where its code is, UTC, and where the interpreter's
    shared library is (Lambda's Python needs LD_LIBRARY_PATH to start). Nothing else of this
    process's, so no credential."""
    paths = dict.fromkeys(
        str(Path(package.__file__ or "").resolve().parents[1])
        for package in (webhook_engine, RestrictedPython)
    )
    environment = {
        "PYTHONPATH": os.pathsep.join(paths),
        "TZ": "UTC",
        "LC_CTYPE": "C.UTF-8",
        "PYTHONUTF8": "1",
    }
    if library_path:
        environment["LD_LIBRARY_PATH"] = library_path
    return environment


@functools.cache
def shield_environment() -> bool:
    """Make this process non-dumpable (Linux), once: processes of the same user, the script
    processes among them, can then no longer read its /proc/<pid>/environ or memory, where the
    function's credentials are. It does not bind root. False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)


@functools.cache
def default_sandbox() -> Sandbox:
    """The container's sandbox, with the limits, library path and required protections of
    its settings."""
    settings = get_settings()
    limits = ProcessLimits(
        memory_mb=settings.script_memory_mb,
        cpu_seconds=math.ceil(settings.submission_budget_seconds) + 1,
    )
    kernel = KERNEL_WALL if settings.sandbox_kernel_walls == "require" else frozenset()
    return Sandbox(
        limits,
        environment=worker_environment(settings.ld_library_path),
        required=ALWAYS_REQUIRED | kernel,
        on_ready=report_sandbox,
    )
