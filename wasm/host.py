"""The engine's side of a WebAssembly script instance: CPython for wasm32-wasip1 in wasmtime,
running the engine's script worker (guest/script_guest.py), spoken to in the sandbox's frames.

The instance runs on the calling thread. Its stdout is a callback: each frame the guest writes
is validated as the supervisor validates a script process's (`frames.FRAMES`) and answered,
inside the callback, by writing the next frames to its stdin, a FIFO (wasmtime reads a
regular file ahead to its end once, and then the stream is closed). The guest only writes a
frame when it then waits for one, so an empty answer ends the conversation: the host closes
the FIFO, the guest reads the end of stdin and exits, as a script process does when its
channel closes.

What the instance gets: argv, stdin, stdout; the standard library and /app (the sandbox's
modules) as read-only preopens; no environment, no other directory, no socket (WASI preview 1
has no socket creation). Its CPU is bounded by an epoch deadline (a ticker thread advances the
epoch), its memory by a store limit. Each tick, the store's epoch callback compares the clock
with the instance's deadline, which the host moves at each run (a deadline set on the store
while WebAssembly runs is not seen: compiled code keeps the one it loaded until it passes).
An epoch deadline stops WebAssembly code only, never a host call in progress: the ticker also
closes the stdin of an instance past its deadline (a read waiting for a frame that will not
come ends), and `poll_oneoff` is replaced by one that never sleeps past it.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import struct
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasmtime import (
    Caller,
    Config,
    Engine,
    ExitTrap,
    FuncType,
    Linker,
    Module,
    Store,
    Trap,
    ValType,
    WasiConfig,
    WasmtimeError,
)
from wasmtime import _bindings as ffi  # the epoch callback, which wasmtime-py does not wrap

from webhook_engine.sandbox.frames import FRAMES

TICK = 0.01  # seconds between epoch increments
GRACE = 0.5  # past the scripts' time limits, as the supervisor's GRACE_SECONDS
MEMORY_MB = 256  # as SCRIPT_MEMORY_MB
MAX_WASM_STACK = 2 << 20  # CPython recurses deeper than wasmtime's 512 KiB default allows; at
# most the async stack size (2 MiB), or Engine() fails and wasmtime-py crashes on its delete
GUEST_LIB, GUEST_APP = "/usr/local/lib", "/app"
ARGV = ["python", "-I", "-S", "-B", f"{GUEST_APP}/script_guest.py"]
_ERRNO_NOTSUP = 58
Frame = dict[str, Any]


def engine_config(target: str | None = None) -> Config:
    """The configuration a precompiled module must be compiled with, and run with."""
    config = Config()
    config.epoch_interruption = True
    config.max_wasm_stack = MAX_WASM_STACK
    if target:
        config.target = target
    return config


@dataclass(frozen=True)
class Layer:
    """Where the pieces are: the precompiled interpreter, its library, the sandbox's code, and
    what to call: `_start` (the command build), or `snapshot_serve` of a pre-initialised
    module (snapshot/), which starts where its snapshot was taken."""

    cwasm: Path
    lib: Path
    app: Path
    entry: str = "_start"


class Runtime:
    """One engine, one module (mapped from its precompiled form), one linker: per container."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.engine = Engine(engine_config())
        self.module = Module.deserialize_file(self.engine, str(layer.cwasm))
        self.linker = Linker(self.engine)
        self.linker.define_wasi()
        self.linker.allow_shadowing = True
        poll = FuncType([ValType.i32()] * 4, [ValType.i32()])
        self.linker.define_func(
            "wasi_snapshot_preview1", "poll_oneoff", poll, _poll_oneoff, access_caller=True
        )
        self.live: weakref.WeakSet[Instance] = weakref.WeakSet()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while True:
            time.sleep(TICK)
            self.engine.increment_epoch()
            now = time.monotonic()
            for instance in list(self.live):
                if instance.deadline < now:
                    instance.end_input()


@dataclass
class Outcome:
    """How an instance ended, and what it said."""

    exit_code: int | None = None
    trap: str | None = None
    frames: list[Frame] = field(default_factory=list)


Respond = Callable[[Frame], list[Frame]]
_EPOCH_CALLBACK, _, _FINALIZER = ffi._wasmtime_store_epoch_deadline_callback.argtypes[1:]
_NO_FINALIZER = _FINALIZER()


class Instance:
    """One CPython instance: `respond` answers each frame it writes with the frames to send."""

    def __init__(
        self,
        runtime: Runtime,
        respond: Respond,
        *,
        warm: bool = False,
        argv: list[str] | None = None,
        stderr: str = "",
    ) -> None:
        self.runtime = runtime
        self.respond = respond
        self.store = Store(runtime.engine)
        self._pending = bytearray()
        self._input_lock = threading.Lock()
        self.outcome = Outcome()
        self.deadline = float("inf")
        wasi = WasiConfig()
        wasi.argv = argv or ([*ARGV, "--warm"] if warm else ARGV)
        with tempfile.TemporaryDirectory(prefix="wasm-stdin-") as directory:
            fifo = os.path.join(directory, "stdin")
            os.mkfifo(fifo, 0o600)
            self._stdin: int | None = os.open(
                fifo, os.O_RDWR
            )  # a writer: wasmtime's open won't wait
            wasi.stdin_file = fifo  # opened now: the name can go
        wasi.stdout_custom = self._stdout
        if stderr:  # for debugging only: where the guest's tracebacks go
            wasi.stderr_file = stderr
        wasi.preopen_dir(str(runtime.layer.lib), GUEST_LIB, False)
        wasi.preopen_dir(str(runtime.layer.app), GUEST_APP, False)
        self.store.set_wasi(wasi)
        self.store.set_limits(memory_size=MEMORY_MB << 20)
        self._on_epoch = _EPOCH_CALLBACK(self._epoch)  # kept: wasmtime holds only its address
        ffi.wasmtime_store_epoch_deadline_callback(
            self.store.ptr(), self._on_epoch, None, _NO_FINALIZER
        )
        self.store.set_epoch_deadline(1)
        self.allow(3600.0)
        self.instance = runtime.linker.instantiate(self.store, runtime.module)
        runtime.live.add(self)

    def allow(self, seconds: float) -> None:
        """Let the instance run `seconds` more (plus the grace period), then trap."""
        self.deadline = time.monotonic() + seconds + GRACE

    def _epoch(self, _context: object, _data: object, delta: Any, kind: Any) -> int:
        """Each tick: carry on for one more (no error), or trap once past the deadline."""
        if time.monotonic() < self.deadline:
            delta[0], kind[0] = 1, 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
            return 0
        error = ffi.wasmtime_error_new(b"the script ran past its time limit")
        return ctypes.cast(error, ctypes.c_void_p).value or 0

    def send(self, frames: list[Frame]) -> None:
        """Write `frames` to the guest's stdin; none: its stdin ends."""
        if not frames:
            self.end_input()
            return
        data = b"".join(json.dumps(f, separators=(",", ":")).encode() + b"\n" for f in frames)
        view = memoryview(data)
        with self._input_lock:
            while view and self._stdin is not None:
                view = view[os.write(self._stdin, view) :]

    def end_input(self) -> None:
        """Close the guest's stdin (it reads its end), once."""
        with self._input_lock:
            if self._stdin is not None:
                os.close(self._stdin)
                self._stdin = None

    def run(self) -> Outcome:
        """Run the guest until it exits (its stdin ended) or traps."""
        start = self.instance.exports(self.store)[self.runtime.layer.entry]
        _running.instance = self  # for _poll_oneoff (wasmtime-py's Caller has no store data)
        try:
            returned = start(self.store)  # type: ignore[operator]
            self.outcome.exit_code = returned if isinstance(returned, int) else 0
        except ExitTrap as exited:
            self.outcome.exit_code = exited.code
        except (Trap, WasmtimeError) as trap:
            self.outcome.trap = self.outcome.trap or _reason(trap)
        finally:
            self.end_input()
            self.runtime.live.discard(self)
        return self.outcome

    def memory_mb(self) -> float:
        """The size of the instance's linear memory (its whole heap), in MB."""
        memory = self.instance.exports(self.store)["memory"]
        return memory.size(self.store) * 65536 / 2**20  # type: ignore[union-attr]

    def _stdout(self, data: bytes) -> int | None:
        """What the guest wrote: each whole frame validated, kept and answered. An invalid one
        fails the guest's write (EIO: it then exits), and is the outcome's error."""
        self._pending += data
        while (end := self._pending.find(b"\n")) >= 0:
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            try:
                frame = _validated(line)
            except ValueError as error:
                self.outcome.trap = f"invalid frame: {str(error).splitlines()[0]}"
                self.end_input()
                return -errno.EIO  # returned, not raised: wasmtime-py prints what is raised
            self.outcome.frames.append(frame)
            self.send(self.respond(frame))
        return None


def _reason(trap: Exception) -> str:
    """A trap's cause, without its WebAssembly backtrace."""
    text = str(trap)
    cause = text.partition("Caused by:")[2].strip()
    return (cause or text).splitlines()[0].strip()


def _validated(line: bytes) -> Frame:
    """A frame as the supervisor accepts it (a `reset` acknowledgement besides)."""
    frame: Frame = json.loads(line)
    if frame.get("type") != "reset":
        FRAMES.validate_json(line)
    return frame


_running = threading.local()  # the instance running on this thread
_SUBSCRIPTION = 48  # bytes; an event is 32
_CLOCK, _ABSTIME = 0, 1


def _poll_oneoff(caller: Caller, subscriptions: int, events: int, count: int, out: int) -> int:
    """WASI `poll_oneoff` that never sleeps past the instance's deadline: relative clocks only
    (CPython's `time.sleep` asks for an absolute one: refused, see guest/wasi_compat.py), the
    shortest one, or none when a descriptor is asked for; every subscription is reported as
    having occurred (a read then waits for data, as long as the watchdog lets it)."""
    memory = caller["memory"]
    instance: Instance = _running.instance
    raw = memory.read(caller, subscriptions, subscriptions + _SUBSCRIPTION * count)  # type: ignore[union-attr]
    sleep, written = float("inf"), bytearray()
    for index in range(count):
        entry = raw[index * _SUBSCRIPTION : (index + 1) * _SUBSCRIPTION]
        userdata, tag = struct.unpack_from("<QB", entry, 0)
        timeout = 0.0
        if tag == _CLOCK:
            _clock, nanoseconds, _precision, flags = struct.unpack_from("<IxxxxQQH", entry, 16)
            if flags & _ABSTIME:
                return _ERRNO_NOTSUP
            timeout = nanoseconds / 1e9
        sleep = min(sleep, timeout)
        written += struct.pack("<QHBxxxxxQHxxxxxx", userdata, 0, tag, 0, 0)
    left = instance.deadline - time.monotonic()
    time.sleep(max(0.0, min(sleep, left)) if count else 0.0)
    if time.monotonic() >= instance.deadline:
        raise Trap("the instance slept past its deadline")
    memory.write(caller, bytes(written), events)  # type: ignore[union-attr]
    memory.write(caller, struct.pack("<I", count), out)  # type: ignore[union-attr]
    return 0
