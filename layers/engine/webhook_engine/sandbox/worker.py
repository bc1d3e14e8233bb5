"""A script process: runs one provider's scripts for one message, and nothing else.

Forked from the zygote (see `zygote`), which imported everything scripts may use, it is
confined before it reads anything (see `confinement`), reports which protections held in its
`ready` frame, then answers frames (see `protocol`) on its channel, file descriptors 0 and 1,
until the engine closes it; then it exits. Its stderr is /dev/null. Each run gets fresh
globals: the request names it uses, the props of the provider whose script runs, and `log`.
Nothing it held survives it: the next provider, and the next message, get a new process.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import json
import os
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any

from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.actions.facades import action_names
from webhook_engine.domain.clipping import clip
from webhook_engine.sandbox.compiler import CompiledScript, compile_script
from webhook_engine.sandbox.confinement import Report
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

EXIT_MEMORY = 75  # the process ran out of memory outside a script's run
EXIT_PROTOCOL = 76  # the engine sent something the process cannot read
EXIT_BROKEN = 77  # the process failed before it could take a run (its own fault, not a script's)
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
CHANNEL_IN, CHANNEL_OUT = 0, 1
_ACTION_ERRORS = {error.__name__: error for error in (ActionError, ActionRefused, ActionLimitError)}


def preload() -> None:
    """Import and warm everything scripts may use, while files can still be opened."""
    warnings.simplefilter("ignore")  # a warning would try to read the script's "file"
    for name in ALLOWED_MODULES:
        module_proxy(name)
    for codec in _CODECS:
        codecs.lookup(codec)
    datetime.strptime("2026", "%Y")  # imports _strptime
    for algorithm in sorted(hashlib.algorithms_guaranteed):
        hashlib.new(algorithm, b"")  # OpenSSL loads what it needs on first use
    compile_script(_WARM_SCRIPT, _WARM_NAME)  # spares' warm-ups find it compiled, as runs do
    sys.stdout = sys.stderr  # the protocol owns file descriptor 1


class Worker:
    """Answers the engine's frames; holds the request of its one message."""

    def __init__(self, reader: FrameReader, out_fd: int) -> None:
        self._reader = reader
        self._out = out_fd
        self._request: RequestData | None = None
        self._calls = 0

    def send(self, frame: Frame) -> None:
        write_all(self._out, encode(frame))

    def serve(self, protections: Report) -> None:
        """Say which protections hold, then answer frames until the engine closes the channel."""
        self.send({"type": "ready", "pid": os.getpid(), "protections": protections})
        while True:
            try:
                frame = json.loads(self._reader.read_line())
            except ChannelClosed:
                return
            self.handle(frame)

    def handle(self, frame: Frame) -> None:
        """Keep a request, or run a script and send its result."""
        if frame["type"] == "request":
            self._request = request_data(frame["request"])
        elif frame["type"] == "run":
            self.send(self.run(frame))

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
        except Exception as error:  # the worker's own failure: report it
            detail = clip(str(error), 300, frame["props"].values())
            message = f"ScriptWorkerError: {type(error).__name__}: {detail}"
            result["error"] = {"type": "ScriptWorkerError", "message": message, "line": None}
        return result | {"logs": book.entries, "summary": book.summary}

    def _run(self, script: CompiledScript, frame: Frame, book: LogBook) -> object:
        if self._request is None:
            raise ValueError("a run before its request")
        try:
            names = script_names(self._request, frame["props"], ScriptLog(book), script.names)
            names |= action_names(partial(self.call, frame["id"]))
        except RecursionError:
            detail = "RecursionError: the payload is nested too deeply to parse"
            raise ScriptError(detail, error_type="RecursionError") from None
        timeout = float(frame["timeout"])
        return run_script(script, names, timeout, lambda line: book.add("INFO", line))


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


_WARM_REQUEST = {
    "message_id": "warm",
    "method": "POST",
    "uri": "warm",
    "query_string": "a=1",
    "headers": {"content-type": "application/json"},
    "body": base64.b64encode(b'{"warm": [1, "a", true, null]}').decode(),
    "source_ip": "127.0.0.1",
    "received_at": "2026-01-01T00:00:00+00:00",
}
_WARM_NAME = "match:warm"
# What scripts commonly do: check a signature, parse and log the payload, set a summary.
_WARM_SCRIPT = """
import hashlib, hmac, json, re
digest = hmac.new(b"k", raw_body, hashlib.sha256).hexdigest()
log.info(json.dumps(payload, sort_keys=True) + digest + body)
log.set_message(uri + " " + query.get("a", ""))
for name, value in headers.items():
    if re.match(r"x-", name) is not None:
        log.debug(f"{name}: {value}")
return verify.github("k") or verify.hmac("k", "x-signature") or props.get("A") == method
"""


def warm(reader: FrameReader) -> None:
    """Take a canned request and script through the whole path of a run (in a scratch worker,
    which does no I/O), so that this process has touched, and so copied from the zygote, the
    memory a run touches: a spare pays for that while it waits, not the message it runs."""
    scratch = Worker(reader, CHANNEL_OUT)
    scratch.handle({"type": "request", "request": _WARM_REQUEST})
    frame = {"type": "run", "id": 0, "name": _WARM_NAME, "kind": "match", "props": {}}
    encode(scratch.run(frame | {"source": _WARM_SCRIPT, "timeout": 1.0}))


def serve(protections: Report) -> int:
    """A confined script process's life on its channel; its exit code."""
    reader = FrameReader(CHANNEL_IN, MAX_REQUEST_FRAME)
    worker = Worker(reader, CHANNEL_OUT)
    try:
        warm(reader)
        worker.serve(protections)
    except MemoryError:
        return EXIT_MEMORY
    except (ValueError, KeyError, TypeError):
        return EXIT_PROTOCOL
    return 0
