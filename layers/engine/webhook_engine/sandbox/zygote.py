"""The zygote: a clean process that forks a fresh script process for each provider's scripts.

Started by the engine (`python -m webhook_engine.sandbox.zygote '<limits as JSON>'`) with an
environment that holds no credential, it imports everything scripts may use, probes which
protections this kernel lets a script process take (see `confinement`), freezes its objects
for the garbage collector (so that children touch fewer shared pages), and then only forks,
and compiles the scripts the engine sends it so that its children need not. It never runs a
script, never sees a message, a prop or a secret, and cannot be reached by its children but
through their exit.

Its control channel (file descriptor 0) is a Unix SOCK_SEQPACKET socket; each datagram is one
JSON object:

engine -> zygote
  fork     {"id"}            fork a script process; its channel's engine end comes back
  kill     {"id"}            kill that process (ids are never reused, unlike pids)
  compile  {"name", "source"}  compile a script, so that processes forked later find it in
                             their cache (compiling is most of a fresh process's work)
zygote -> engine
  ready  {"pid", "protections", "unavailable"}   once, after the probe
  forked {"id", "pid"} + the engine's end of the new process's channel (SCM_RIGHTS)
  failed {"id", "error"}                         the fork failed
  exit   {"id", "code"}  a script process ended (code as subprocess gives it: -N = signal N)

When the engine closes the control channel, the zygote kills its children and exits.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import NoReturn

from webhook_engine.sandbox.compiler import compile_script
from webhook_engine.sandbox.confinement import STEPS, ProcessLimits, Report, confine, prepare
from webhook_engine.sandbox.worker import EXIT_BROKEN, preload, serve

CONTROL = 0
MAX_DATAGRAM = 65_536
PROBE_SECONDS = 10.0


def send(control: socket.socket, frame: dict[str, object], fds: list[int] | None = None) -> None:
    data = json.dumps(frame).encode()
    if fds:
        socket.send_fds(control, [data], fds)
    else:
        control.send(data)


def probe(limits: ProcessLimits) -> tuple[Report, frozenset[str]]:
    """Confine throwaway children until one survives: the report of the one that did, and the
    steps that killed a child (they are skipped from then on)."""
    skip: frozenset[str] = frozenset()
    for _ in STEPS:
        last_step, report = _probe_once(limits, skip)
        if report is not None:
            return report, skip
        skip |= {last_step}
    return dict.fromkeys(STEPS, False), skip


def _probe_once(limits: ProcessLimits, skip: frozenset[str]) -> tuple[str, Report | None]:
    """Confine one child; the last step it announced, and its report if it lived to send it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        report = confine(
            limits, skip, before=lambda step: os.write(write_end, f"{step}\n".encode())
        )
        os.write(write_end, f"report {json.dumps(report)}\n".encode())
        os._exit(0)
    os.close(write_end)
    lines = _read_all(read_end, pid).decode().splitlines()
    os.waitpid(pid, 0)
    if lines and lines[-1].startswith("report "):
        return lines[-2], json.loads(lines[-1].removeprefix("report "))
    return (lines[-1] if lines else STEPS[0]), None


def _read_all(fd: int, pid: int) -> bytes:
    """What the probe wrote before it exited (or was killed after PROBE_SECONDS)."""
    data, poll = bytearray(), select.poll()
    poll.register(fd, select.POLLIN)
    while poll.poll(PROBE_SECONDS * 1000):
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    else:
        os.kill(pid, signal.SIGKILL)
    os.close(fd)
    return bytes(data)


def compile_ahead(source: str, name: str) -> None:
    """Compile a script into this process's cache, which the processes forked later inherit.

    Only compiled, never run. A script that does not compile is left to its processes, which
    report why; whatever compiling raises, the zygote goes on.
    """
    with suppress(Exception):
        compile_script(source, name)
    gc.freeze()  # the new code objects too: children then leave their pages shared


class Zygote:
    """Forks script processes on request and reports how they end."""

    def __init__(self, control: socket.socket, limits: ProcessLimits, skip: frozenset[str]):
        self.control = control
        self.limits = limits
        self.skip = skip
        self.children: dict[int, int] = {}  # id -> pid
        self._devnull = os.open(os.devnull, os.O_WRONLY)
        self._wakeup_read, self._wakeup_write = os.pipe()
        os.set_blocking(self._wakeup_write, False)

    def serve(self) -> None:
        signal.set_wakeup_fd(self._wakeup_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        poll = select.poll()
        poll.register(self.control, select.POLLIN)
        poll.register(self._wakeup_read, select.POLLIN)
        while True:
            ready = {fd for fd, _ in poll.poll()}
            if self._wakeup_read in ready:
                os.read(self._wakeup_read, 4096)
                self._reap()
            if self.control.fileno() in ready and not self._command():
                break
        for pid in self.children.values():
            os.kill(pid, signal.SIGKILL)

    def _command(self) -> bool:
        """Carry out one request of the engine; False once the engine has gone."""
        data = self.control.recv(MAX_DATAGRAM)
        if not data:
            return False
        frame = json.loads(data)
        if frame["type"] == "compile":
            compile_ahead(str(frame["source"]), str(frame["name"]))
            return True
        handlers: dict[str, Callable[[int], None]] = {"fork": self._fork, "kill": self._kill}
        handlers[frame["type"]](int(frame["id"]))
        return True

    def _kill(self, child: int) -> None:
        pid = self.children.get(child)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def _fork(self, child: int) -> None:
        engine_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = os.fork()
        except OSError as error:
            send(self.control, {"type": "failed", "id": child, "error": str(error)})
            pid = None
        if pid == 0:
            self._become_child(engine_end, child_end)
        if pid is not None:
            self.children[child] = pid
            send(self.control, {"type": "forked", "id": child, "pid": pid}, [engine_end.fileno()])
        engine_end.close()
        child_end.close()

    def _become_child(self, engine_end: socket.socket, child_end: socket.socket) -> NoReturn:
        """In the new process: the channel on 0 and 1, /dev/null on 2, no other descriptor;
        confined; then serve the engine until it closes the channel."""
        code = EXIT_BROKEN
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            channel = child_end.detach()
            for sock in (self.control, engine_end):
                sock.detach()  # their descriptors are closed below, not by these objects
            os.dup2(channel, 0)
            os.dup2(channel, 1)
            os.dup2(self._devnull, 2)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))
            code = serve(confine(self.limits, self.skip))
        finally:
            os._exit(code)

    def _reap(self) -> None:
        by_pid = {pid: child for child, pid in self.children.items()}
        while self.children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            child = by_pid.get(pid)
            if child is not None:
                del self.children[child]
                code = os.waitstatus_to_exitcode(status)
                send(self.control, {"type": "exit", "id": child, "code": code})


def main(arguments: list[str]) -> int:
    limits = ProcessLimits.from_json(arguments[0]) if arguments else ProcessLimits()
    preload()
    prepare()
    control = socket.socket(fileno=CONTROL)
    report, skip = probe(limits)
    gc.collect()
    gc.freeze()  # children then leave the collector's pages shared
    ready = {"type": "ready", "pid": os.getpid(), "protections": report}
    send(control, ready | {"unavailable": sorted(skip)})
    Zygote(control, limits, skip).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
