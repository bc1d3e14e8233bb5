"""Warm worker processes: the local image of Lambda execution environments.

Each worker is a spawned process that takes the function's environment, imports its
handler once and then runs one invocation at a time in its main thread, as Lambda does
(script time limits use SIGALRM, which only works there). A worker that runs past the
function's timeout is killed and replaced, like an execution environment that timed out.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

from webhooks_testbed.lambda_context import LocalLambdaContext
from webhooks_testbed.lambdas import FunctionConfig

ADMIN_FUNCTION = "AdminFunction"
APPLY_CONFIG = "webhooks_local.configure.apply_file"  # applies configuration files
DEFAULT_WORKERS = 2
PAYLOAD_LIMIT = 6 * 1024 * 1024  # a synchronous invocation's request and response, each
INIT_TIMEOUT = 60.0

Request = tuple[str, str, Any]  # ("invoke", request_id, event_json) | ("call", target, args)
Reply = tuple[str, str]  # ("ready" | "ok" | "error", text)


class InvocationError(Exception):
    """An invocation did not return a result."""


class FunctionError(InvocationError):
    """The handler raised, its result was unusable or its runtime died; the text says which."""


class FunctionTimeout(InvocationError):
    """The handler ran past its timeout."""


class PayloadTooLarge(InvocationError):
    """The event exceeds Lambda's 6 MB invocation payload."""


def worker_count(function_id: str) -> int:
    """Warm workers for a function: `LOCAL_WORKERS` (default 2); the admin function gets one."""
    if function_id == ADMIN_FUNCTION:
        return 1
    return max(1, int(os.environ.get("LOCAL_WORKERS", DEFAULT_WORKERS)))


def apply_environment(environment: dict[str, str]) -> None:
    """Make this process's environment the function's: drop the caller's AWS settings first."""
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(environment)


def resolve(dotted: str) -> Callable[..., Any]:
    """Import `package.module.attribute` and return the attribute."""
    module, _, attribute = dotted.rpartition(".")
    target: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
    return target


def run_handler(
    handler: Callable[..., Any], config: FunctionConfig, request_id: str, event: str
) -> str:
    """Run the handler on a JSON event and return its JSON result, as the runtime does."""
    result = handler(json.loads(event), LocalLambdaContext(config, request_id))
    answer = json.dumps(result)
    if len(answer.encode()) > PAYLOAD_LIMIT:
        raise ValueError(
            "Response payload size exceeded maximum allowed payload size (6291556 bytes)"
        )
    return answer


def describe(value: object) -> str:
    """Text for a value returned by a `call`: JSON where possible."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        value = dump(mode="json")
    return json.dumps(value, indent=2, default=str)


def _serve(handler: Callable[..., Any], config: FunctionConfig, request: Request) -> Reply:
    kind, target, argument = request
    try:
        if kind == "invoke":
            return "ok", run_handler(handler, config, target, argument)
        return "ok", describe(resolve(target)(*argument))
    except Exception:
        return "error", traceback.format_exc()


def _environment_main(conn: Connection, config: FunctionConfig) -> None:
    """A worker's main loop: import the handler, then answer requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group
    apply_environment(config.environment)
    try:
        handler = resolve(config.handler)
    except Exception:
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("ready", ""))
    while (request := _next_request(conn)) is not None:
        conn.send(_serve(handler, config, request))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # like a recycled environment: no interpreter teardown (about 0.4 s)


def _next_request(conn: Connection) -> Request | None:
    try:
        request: Request | None = conn.recv()
    except EOFError:
        return None
    return request


class _Environment:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, config: FunctionConfig) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_environment_main,
            args=(child, config),
            name=f"{config.function_id}-worker",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._ready = False

    @property
    def healthy(self) -> bool:
        return self._process.is_alive()

    def await_ready(self) -> None:
        """Wait for the handler's import (the cold start); raise its error if it failed."""
        if self._ready:
            return
        if not self._conn.poll(INIT_TIMEOUT):
            self.stop()
            raise FunctionError(f"Init timed out after {INIT_TIMEOUT:.0f} seconds")
        status, text = self._receive()
        if status != "ready":
            raise FunctionError(text)
        self._ready = True

    def request(self, request: Request, timeout: float) -> str:
        self.await_ready()
        try:
            self._conn.send(request)
        except OSError as error:
            raise FunctionError(f"Runtime exited: {error}") from error
        if not self._conn.poll(timeout):
            self.stop()
            raise FunctionTimeout(f"Task timed out after {timeout:.2f} seconds")
        status, text = self._receive()
        if status == "error":
            raise FunctionError(text)
        return text

    def _receive(self) -> Reply:
        try:
            reply: Reply = self._conn.recv()
        except (EOFError, OSError) as error:
            self._process.join(1)
            raise FunctionError(f"Runtime exited with code {self._process.exitcode}") from error
        return reply

    def ask_to_stop(self) -> None:
        """Tell the worker to exit once it is idle."""
        with suppress(OSError):
            self._conn.send(None)

    def stop(self) -> None:
        """Stop the worker: politely first, then by force."""
        self.ask_to_stop()
        self._process.join(1)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()


class FunctionWorkers:
    """A fixed number of warm workers for one function; callers wait for a free one."""

    def __init__(self, config: FunctionConfig, size: int) -> None:
        self.config = config
        self._idle: queue.SimpleQueue[_Environment] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._all: set[_Environment] = set()
        self._closed = False
        self._size = size
        for _ in range(size):
            self._idle.put(self._spawn())

    def warm(self) -> None:
        """Wait until every worker has imported the handler; raise the first import error."""
        environments = [self._idle.get() for _ in range(self._size)]
        try:
            for environment in environments:
                environment.await_ready()
        finally:
            for environment in environments:
                self._idle.put(environment)

    def invoke(self, event: dict[str, Any], timeout: float | None = None) -> Any:
        """Run the handler on the event in a worker and return its result."""
        payload = json.dumps(event)
        if len(payload.encode()) > PAYLOAD_LIMIT:
            raise PayloadTooLarge(f"Request payload exceeds {PAYLOAD_LIMIT} bytes")
        request_id = str(uuid.uuid4())
        limit = self.config.timeout if timeout is None else timeout
        return json.loads(self._request(("invoke", request_id, payload), limit))

    def call(self, target: str, *args: Any, timeout: float = 300.0) -> str:
        """Run `package.module.function(*args)` in a worker (with the function's environment)."""
        return self._request(("call", target, args), timeout)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            environments, self._all, self._closed = self._all, set(), True
        for environment in environments:
            environment.ask_to_stop()
        for environment in environments:
            environment.stop()

    def _request(self, request: Request, timeout: float) -> str:
        environment = self._idle.get()
        try:
            return environment.request(request, timeout)
        finally:
            if not environment.healthy:
                environment = self._replace(environment)
            self._idle.put(environment)

    def _spawn(self) -> _Environment:
        with self._lock:
            if self._closed:
                raise FunctionError("The local stack is stopping")
            environment = _Environment(self.config)
            self._all.add(environment)
        return environment

    def _replace(self, environment: _Environment) -> _Environment:
        environment.stop()
        with self._lock:
            self._all.discard(environment)
        return self._spawn()
