"""Inside the WebAssembly instance: what the sandbox needs and CPython for wasm32-wasip1 lacks,
stood in for before the sandbox's modules are imported.

- OpenSSL (`_hashlib`) is not built: hashlib falls back to CPython's own _md5, _sha1, _sha2,
  _sha3 and _blake2, all of `algorithms_guaranteed`, each hash object a type of its own (one
  OpenSSL type in a process): the allow-list's result types get them all. The sandbox hands scripts OpenSSL's C
  HMAC as `hmac.new`/`hmac.digest`: here the pure-Python HMAC stands in (its class stays out
  of scripts' reach; they read its instances' public members). `hashlib.pbkdf2_hmac` exists
  only with OpenSSL since 3.12: a pure-Python one stands in.
- `ctypes`, `resource` and signals are not built: the process wall's confinement (rlimits,
  seccomp, an audit hook installed after probing) is not imported; the instance is the wall.
  With no `setitimer`, a script's time limit is the sandbox's trace hook (`time_limit.Deadline`
  off the main thread), and the host's epoch deadline stops code that never returns to
  Python. `time.sleep` sleeps at most until the script's deadline and stops the script
  there, as a relative poll: the host's `poll_oneoff` refuses absolute clocks (which
  CPython's own sleep asks for) and never sleeps past the instance's deadline, since a host
  call cannot be interrupted.
- No thread CPU clock: the instance has one thread, whose CPU time `process_time` is.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import select
import sys
import time
import types
from collections.abc import Callable
from typing import Any

_running: list[Any] = [None]  # the running script's time_limit.Deadline


def pbkdf2_hmac(
    hash_name: str, password: bytes, salt: bytes, iterations: int, dklen: int | None = None
) -> bytes:
    """PBKDF2 (RFC 8018) with HMAC, as hashlib's OpenSSL one computes it."""
    if iterations < 1:
        raise ValueError("iteration value must be greater than 0.")
    prf = hmac.new(bytes(password), digestmod=hash_name)
    size = prf.digest_size
    dklen = dklen or size
    if dklen < 1:
        raise ValueError("key length must be greater than 0.")
    blocks = []
    for index in range(1, -(-dklen // size) + 1):
        block = prf.copy()
        block.update(bytes(salt) + index.to_bytes(4, "big"))
        u = block.digest()
        total = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            step = prf.copy()
            step.update(u)
            u = step.digest()
            total ^= int.from_bytes(u, "big")
        blocks.append(total.to_bytes(size, "big"))
    return b"".join(blocks)[:dklen]


def sleep(seconds: float) -> None:
    """`time.sleep`, never past the running script's deadline: there, the script stops."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = _running[0]
    left = float("inf") if deadline is None else deadline._expires_at - time.monotonic()
    select.select([], [], [], max(0.0, min(float(seconds), left)))
    if deadline is not None and seconds >= left:
        deadline._stop()  # raises its Timeout, as SIGALRM would have in the sleep


def _openssl_stand_in() -> types.ModuleType:
    module = types.ModuleType("_hashlib", "OpenSSL's HMAC functions, as pure-Python HMAC")
    module.hmac_new = hmac.new  # type: ignore[attr-defined]
    module.hmac_digest = hmac.digest  # type: ignore[attr-defined]
    return module


def _confinement_stand_in() -> types.ModuleType:
    module = types.ModuleType("webhook_engine.sandbox.confinement", "the Report type only")
    module.Report = dict[str, bool]  # type: ignore[attr-defined]
    return module


def install() -> None:
    """Put the stand-ins in place; then import and patch the worker (see the docstring)."""
    hashlib.pbkdf2_hmac = pbkdf2_hmac  # type: ignore[attr-defined]
    time.sleep = sleep
    if not hasattr(time, "thread_time"):
        time.thread_time, time.thread_time_ns = time.process_time, time.process_time_ns
    sys.modules.setdefault("_hashlib", _openssl_stand_in())
    sys.modules["webhook_engine.sandbox.confinement"] = _confinement_stand_in()
    from webhook_engine.sandbox import allowed, time_limit, worker  # noqa: PLC0415  (after the stand-ins)

    hash_types = {type(hashlib.new(name)) for name in hashlib.algorithms_guaranteed}
    allowed.RESULT_TYPES = allowed.RESULT_TYPES | hash_types

    worker._timer_held = contextlib.nullcontext  # type: ignore[assignment]
    run_with_trace: Callable[..., Any] = time_limit.Deadline._run_with_trace

    def run(deadline: time_limit.Deadline, function: Callable[[], Any]) -> Any:
        _running[0] = deadline
        try:
            return run_with_trace(deadline, function)
        finally:
            _running[0] = None

    time_limit.Deadline.run = run  # type: ignore[method-assign,assignment]
