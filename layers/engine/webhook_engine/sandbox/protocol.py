"""The wire between the engine and the script worker: newline-delimited JSON frames on pipes.

JSON carries data only (never code, unlike pickle), and `json.dumps` escapes every newline
inside strings, so one frame is one line, in UTF-8. Text that JSON can carry but UTF-8 cannot
(a lone surrogate, which a sender's JSON escapes may hold) is sent as `?`: the engine refuses
frames that are not valid UTF-8. Every frame is an object with a `type`:

engine -> worker
  request  {"key", "request": {...}}            a message's request data, once per message
  run      {"id", "key", "name", "source", "kind", "props", "timeout"}
  reply    {"id", "ok", "value" | "error"}      the answer to a `call`

worker -> engine
  ready    {"pid"}                              once, when the worker can take runs
  result   {"id", "ok", "truthy", "logs", "summary", "error", "retire"}
  call     {"id", "run", "target", "args"}      an action the engine performs for the script

`call` and `reply` are how toolkit names (outbound HTTP, AWS actions, `respond`) will reach
the engine, which holds the credentials: the worker asks, the engine decides and answers, and
the script's run goes on until its `result`. The engine validates every frame it receives.
"""

from __future__ import annotations

import json
import os
import select
import time
from typing import Any

MAX_REQUEST_FRAME = 16 * 1024 * 1024  # engine -> worker: a 4.5 MB body as base64, and more
MAX_REPLY_FRAME = 8 * 1024 * 1024  # worker -> engine: 200 log entries of 4000 characters
_CHUNK = 1 << 16

Frame = dict[str, Any]


class ChannelClosed(Exception):
    """The other end closed its pipe (the process exited)."""


class FrameTooLarge(Exception):
    """A frame grew past its size limit before its end."""


class FrameTimeout(Exception):
    """No frame arrived before the deadline."""


def encode(frame: Frame) -> bytes:
    """One frame as one line of UTF-8 JSON, lone surrogates replaced by `?`."""
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "replace") + b"\n"


class FrameReader:
    """Reads newline-delimited frames from a file descriptor, bounded in size and time."""

    def __init__(self, fd: int, max_frame: int) -> None:
        self._fd = fd
        self._max = max_frame
        self._buffer = bytearray()
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def read_line(self, deadline: float | None = None) -> bytes:
        """The next frame's bytes (without its newline).

        Raises ChannelClosed at end of file, FrameTimeout past `deadline` (time.monotonic()),
        FrameTooLarge when a frame exceeds the limit.
        """
        scanned = 0
        while (end := self._buffer.find(b"\n", scanned)) < 0:
            scanned = len(self._buffer)
            if scanned > self._max:
                raise FrameTooLarge(f"frame larger than {self._max} bytes")
            self._wait(deadline)
            chunk = os.read(self._fd, _CHUNK)
            if not chunk:
                raise ChannelClosed
            self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        if len(line) > self._max:
            raise FrameTooLarge(f"frame larger than {self._max} bytes")
        return line

    def _wait(self, deadline: float | None) -> None:
        _ready(self._poll, deadline)


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write every byte (a pipe may take a large frame in several writes).

    With a `deadline` (time.monotonic()), `fd` must be non-blocking: FrameTimeout when the
    reader has not taken the whole frame by then (a reader that stopped reading, perhaps
    because it is busy writing to us, cannot hold the writer past its deadline).
    """
    poll = select.poll()
    poll.register(fd, select.POLLOUT)
    view = memoryview(data)
    while view:
        _ready(poll, deadline)
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        view = view[written:]


def _ready(poll: select.poll, deadline: float | None) -> None:
    """Wait until `poll` reports its descriptor ready; FrameTimeout past `deadline`."""
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left <= 0 or not poll.poll(left * 1000):
        raise FrameTimeout
