"""The script worker: a separate process that runs scripts, and nothing else.

Started by the engine (`python -m webhook_engine.sandbox.worker '<limits as JSON>'`) with an
empty environment: no AWS credentials, no variable of the function. Before it reads any script
it imports everything scripts may use, then limits itself with setrlimit:

- RLIMIT_AS: its address space (`memory_mb`), so a memory bomb ends in MemoryError or death;
- RLIMIT_CPU: CPU seconds, a soft limit per run (SIGXCPU) under a hard limit for its life;
- RLIMIT_NOFILE 0: no new file descriptor at all (no file, socket or pipe can be opened; it
  keeps its stdin, stdout, stderr and /proc/self/statm, to know its resident memory);
- RLIMIT_NPROC 0: no new process (does not bind root); RLIMIT_FSIZE 0 and RLIMIT_CORE 0.

Then it answers frames (see `protocol`) on stdin/stdout until stdin closes. Each run gets fresh
globals: the request names it uses, the props of the provider whose script runs, and `log`.
It retires (exits after a result, to be replaced) after a MemoryError, past half its CPU
seconds, or when it holds more resident memory than an idle worker should keep.
"""

from __future__ import annotations

import base64
import codecs
import json
import math
import os
import resource
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from webhook_engine.sandbox.actions import action_names
from webhook_engine.sandbox.compiler import CompiledScript, compile_script
from webhook_engine.sandbox.errors import ScriptCompileError, ScriptError
from webhook_engine.sandbox.modules import ALLOWED_MODULES, module_proxy
from webhook_engine.sandbox.names import (
    LogBook,
    RequestData,
    ScriptLog,
    log_limit,
    script_names,
)
from webhook_engine.sandbox.protocol import (
    MAX_REPLY_FRAME,
    MAX_REQUEST_FRAME,
    ChannelClosed,
    Frame,
    FrameReader,
    encode,
    write_all,
)
from webhook_engine.sandbox.runner import run_script
from webhook_engine.toolkit.errors import ActionError, ActionLimitError, ActionRefused

EXIT_MEMORY = 75  # the worker ran out of memory outside a script's run
EXIT_PROTOCOL = 76  # the engine sent something the worker cannot read
MAX_CALL_DEPTH = 100  # nesting of a call's arguments; the engine parses frames 200 deep
# Codecs imported up front: none can be imported once no file may be opened.
_CODECS = (
    "ascii",
    "latin_1",
    "utf_8",
    "utf_8_sig",
    "utf_16",
    "utf_16_le",
    "utf_16_be",
    "utf_32",
    "utf_32_le",
    "utf_32_be",
    "cp1252",
    "iso8859_15",
    "idna",
    "punycode",
    "unicode_escape",
    "raw_unicode_escape",
)
_STDIN, _STDOUT = 0, 1
_ACTION_ERRORS = {error.__name__: error for error in (ActionError, ActionRefused, ActionLimitError)}


@dataclass(frozen=True)
class WorkerLimits:
    memory_mb: int = 256
    cpu_seconds: int = 600  # for the worker's whole life; it retires at half of it
    retire_mb: int = 64  # a worker whose resident memory peaked above this retires after its run

    def to_json(self) -> str:
        return json.dumps(
            {
                "memory_mb": self.memory_mb,
                "cpu_seconds": self.cpu_seconds,
                "retire_mb": self.retire_mb,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> WorkerLimits:
        values = json.loads(text)
        return cls(**{name: int(value) for name, value in values.items()})


def open_statm() -> int | None:
    """/proc/self/statm, opened while files still can be (None where there is no /proc)."""
    try:
        return os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return None


def preload() -> None:
    """Import and warm everything scripts may use, while files can still be opened."""
    warnings.simplefilter("ignore")  # a warning would try to read the script's "file"
    for name in ALLOWED_MODULES:
        module_proxy(name)
    for codec in _CODECS:
        codecs.lookup(codec)
    datetime.strptime("2026", "%Y")  # imports _strptime
    import hashlib

    for algorithm in sorted(hashlib.algorithms_guaranteed):
        hashlib.new(algorithm, b"")  # OpenSSL loads what it needs on first use
    sys.stdout = sys.stderr  # the protocol owns file descriptor 1


def apply_limits(limits: WorkerLimits) -> None:
    """Limit this process; from here on it cannot open a file or start a process."""
    memory = limits.memory_mb * 1024 * 1024
    for name, value in (
        ("RLIMIT_AS", memory),
        ("RLIMIT_CPU", limits.cpu_seconds),
        ("RLIMIT_CORE", 0),
        ("RLIMIT_FSIZE", 0),
        ("RLIMIT_NPROC", 0),
        ("RLIMIT_NOFILE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))


def resident_bytes(statm: int | None) -> int | None:
    """This process's resident memory now, from its open /proc/self/statm (not its peak,
    which a child inherits from the process that forked it)."""
    if statm is None:
        return None
    return int(os.pread(statm, 100, 0).split()[1]) * resource.getpagesize()


def cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Worker:
    """Answers the engine's frames; holds the request of the current message only."""

    def __init__(
        self, limits: WorkerLimits, reader: FrameReader, out_fd: int, statm: int | None = None
    ) -> None:
        self.limits = limits
        self._reader = reader
        self._out = out_fd
        self._statm = statm
        self._requests: dict[str, RequestData] = {}
        self._calls = 0

    def send(self, frame: Frame) -> None:
        write_all(self._out, encode(frame))

    def serve(self) -> None:
        """Answer frames until the engine closes the pipe or this worker retires."""
        self.send({"type": "ready", "pid": os.getpid()})
        while True:
            try:
                frame = json.loads(self._reader.read_line())
            except ChannelClosed:
                return
            if frame["type"] == "request":
                self._requests = {frame["key"]: request_data(frame["request"])}
            elif frame["type"] == "run":
                result = self.run(frame)
                self.send(result)
                if result["retire"]:
                    return

    def call(self, run_id: int, target: str, args: dict[str, Any]) -> Any:
        """Ask the engine to act for the running script and wait for its answer.

        The toolkit names (`http`, `aws`, `respond`) are built on this: the engine, which holds
        the credentials, decides and acts; the worker only sees the answer, or the error (as
        the ActionError class the engine names) that the script then raises.
        """
        if _deeper_than(args, MAX_CALL_DEPTH):
            raise ActionError(
                f"{target}: arguments nested deeper than {MAX_CALL_DEPTH} levels (limit)"
            )
        self._calls += 1
        call_id = self._calls
        frame = encode(
            {"type": "call", "id": call_id, "run": run_id, "target": target, "args": args}
        )
        if len(frame) > MAX_REPLY_FRAME:  # the engine would refuse the frame, and this worker
            raise ActionLimitError(f"{target}: arguments over {MAX_REPLY_FRAME:,} bytes (limit)")
        with _timer_held():  # a timeout raised mid-frame would leave half a frame on the pipe
            write_all(self._out, frame)
        reply = json.loads(self._reader.read_line())
        if reply.get("type") != "reply" or reply.get("id") != call_id:
            raise ValueError(f"expected the reply to call {call_id}")
        if not reply["ok"]:
            error = _ACTION_ERRORS.get(str(reply.get("kind")), ActionError)
            raise error(str(reply.get("error", "refused")))
        return reply.get("value")

    def run(self, frame: Frame) -> Frame:
        """Compile (cached) and run one script; the result frame."""
        book = LogBook(log_limit(frame["kind"]))
        result: Frame = {"type": "result", "id": frame["id"], "ok": False, "truthy": False}
        retire = False
        try:
            script = compile_script(frame["source"], frame["name"])
            value = self._run(script, frame, book)
            result |= {"ok": True, "truthy": bool(value)}
        except ScriptCompileError as error:
            message = f"SyntaxError: {error.message}"
            result["error"] = {"type": "SyntaxError", "message": message, "line": error.line}
        except ScriptError as error:
            result["error"] = {
                "type": error.error_type,
                "message": error.message,
                "line": error.line,
            }
            retire = error.error_type == "MemoryError"
        except Exception as error:  # the worker's own failure: report it, then start afresh
            message = f"ScriptWorkerError: {type(error).__name__}: {str(error)[:300]}"
            result["error"] = {"type": "ScriptWorkerError", "message": message, "line": None}
            retire = True
        retire = retire or self._spent()
        return result | {"logs": book.entries, "summary": book.summary, "retire": retire}

    def _run(self, script: CompiledScript, frame: Frame, book: LogBook) -> object:
        request = self._requests[frame["key"]]
        try:
            names = script_names(request, frame["props"], ScriptLog(book), script.names)
            names |= action_names(partial(self.call, frame["id"]))
        except RecursionError:
            detail = "RecursionError: the payload is nested too deeply to parse"
            raise ScriptError(detail, error_type="RecursionError") from None
        timeout = float(frame["timeout"])
        self._limit_cpu(timeout)
        return run_script(script, names, timeout, lambda line: book.add("INFO", line))

    def _spent(self) -> bool:
        """Half its CPU seconds used, or more resident memory than an idle worker should keep
        (several workers share the function's memory)."""
        resident = resident_bytes(self._statm)
        too_large = resident is not None and resident > self.limits.retire_mb * 1024 * 1024
        return too_large or cpu_used() > self.limits.cpu_seconds / 2

    def _limit_cpu(self, timeout: float) -> None:
        """SIGXCPU once this run has used its time limit in CPU seconds, plus one."""
        soft = min(math.ceil(cpu_used() + timeout) + 1, self.limits.cpu_seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, self.limits.cpu_seconds))


@contextmanager
def _timer_held() -> Iterator[None]:
    """Hold SIGALRM (the script's timer) back until the block is done, then let it fire."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _deeper_than(value: object, limit: int) -> bool:
    """Whether containers nest in `value` more than `limit` levels deep (without recursion)."""
    level: list[object] = [value]
    for _ in range(limit + 1):
        level = [
            item
            for container in level
            if isinstance(container, dict | list | tuple)
            for item in (container.values() if isinstance(container, dict) else container)
        ]
        if not level:
            return False
    return True


def request_data(fields: dict[str, Any]) -> RequestData:
    """The request of a `request` frame."""
    return RequestData(
        message_id=fields["message_id"],
        method=fields["method"],
        uri=fields["uri"],
        query_string=fields["query_string"],
        headers=dict(fields["headers"]),
        body=base64.b64decode(fields["body"]),
        source_ip=fields["source_ip"],
        received_at=datetime.fromisoformat(fields["received_at"]),
    )


def main(arguments: list[str]) -> int:
    limits = WorkerLimits.from_json(arguments[0]) if arguments else WorkerLimits()
    preload()
    statm = open_statm()
    apply_limits(limits)
    worker = Worker(limits, FrameReader(_STDIN, MAX_REQUEST_FRAME), _STDOUT, statm)
    try:
        worker.serve()
    except MemoryError:
        return EXIT_MEMORY
    except (ValueError, KeyError, TypeError) as error:
        print(f"script worker: unreadable frame: {error!r}", file=sys.stderr)
        return EXIT_PROTOCOL
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
