"""Inside the WebAssembly instance: the engine's script worker, its frames on WASI stdin/stdout.

Run as `python -I -S -B /app/script_guest.py [--warm]`, with the standard library and /app (the
engine's sandbox modules, RestrictedPython, this folder) as read-only preopens and nothing
else: no environment, no other directory, no socket. It answers frames as a script process
does (`webhook_engine.sandbox.worker`, the same code) until stdin ends. A `reset` frame, between
two messages of a reused instance, drops the message's request; it is answered with a `reset`
frame. (A full garbage collection there costs 10 ms a message: the collector's own generations
bound memory instead. Nothing else is reset: what code past the language wall changed stays.)
"""

from __future__ import annotations

import sys

sys.path.insert(0, "/app")

import wasi_compat

wasi_compat.install()

import os  # noqa: E402

from webhook_engine.sandbox import worker  # noqa: E402
from webhook_engine.sandbox.protocol import MAX_REQUEST_FRAME, Frame, FrameReader  # noqa: E402


class GuestWorker(worker.Worker):
    """The script worker, and the reset of a reused instance."""

    def handle(self, frame: Frame) -> None:
        if frame["type"] == "reset":
            self._request = None
            self._calls = 0
            self.send({"type": "reset"})
        else:
            super().handle(frame)


def prepare(warm: bool = True) -> None:
    """Import and warm what scripts use (in a pre-initialised module, before the snapshot)."""
    worker.preload()
    if warm:
        worker.warm(FrameReader(worker.CHANNEL_IN, MAX_REQUEST_FRAME))


def serve() -> int:
    """Answer frames until stdin ends; the exit code."""
    reader = FrameReader(worker.CHANNEL_IN, MAX_REQUEST_FRAME)
    try:
        GuestWorker(reader, worker.CHANNEL_OUT).serve({"wasm_instance": True})
    except MemoryError:
        return worker.EXIT_MEMORY
    except (ValueError, KeyError, TypeError):
        return worker.EXIT_PROTOCOL
    return 0


def main(arguments: list[str]) -> int:
    prepare(warm="--warm" in arguments)
    return serve()


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))  # no finalization: the instance is thrown away (~90 ms saved)
