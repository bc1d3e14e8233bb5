"""Time limits for scripts.

In a process's main thread (Lambda, the local stack's workers) a `SIGALRM` timer interrupts the
script, looping or sleeping alike, and keeps interrupting it every `_REPEAT` seconds until it
is gone. Elsewhere signals are unavailable, so a `sys.settrace` hook checks the clock on each
line and call of the script instead (a blocking C call such as `time.sleep` then runs to its end
before the script stops).

The script is interrupted with `Timeout`, a BaseException that scripts cannot catch: they cannot
name BaseException, and a bare `except:` is refused when they are compiled. Only a `finally:`
block runs while it unwinds (and one that loops forever outside the main thread is not stopped).

Code spinning inside C without returning to Python (a loop inside a builtin, a blocked call)
is interrupted by neither: the engine's supervisor kills the script worker at the limit plus
a grace period, and the worker's per-run CPU limit (SIGXCPU) backs that up.
"""

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

_REPEAT = 0.05
_TraceFunction = Callable[[FrameType, str, Any], Any]


def seconds_text(seconds: float) -> str:
    """A time limit as people read it: "16.3", "20", "0.25" (a budget cut to what is left of
    a Lambda's time has digits no one needs)."""
    return f"{seconds:.2g}" if seconds < 1 else f"{round(seconds, 1):g}"


class Timeout(BaseException):
    """Raised inside a script whose time is up."""


class Deadline:
    """Runs one script (code compiled under `filename`) for at most `seconds`."""

    def __init__(self, filename: str, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a script's time limit must be positive")
        self.filename = filename
        self.seconds = seconds
        self.fired = False  # Timeout was raised inside the script
        self._expires_at = float("inf")

    def run[T](self, function: Callable[[], T]) -> T:
        """Call `function` (the script) under the time limit."""
        if threading.current_thread() is threading.main_thread():
            return self._run_with_alarm(function)
        return self._run_with_trace(function)

    def _run_with_alarm[T](self, function: Callable[[], T]) -> T:
        previous_handler = signal.getsignal(signal.SIGALRM)
        previous_trace = sys.gettrace()
        outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
        if outer_delay:  # an enclosing timer that fires first keeps its earlier deadline
            self.seconds = min(self.seconds, outer_delay)
        started = time.monotonic()
        signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds, _REPEAT)
        try:
            return function()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(
                signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler
            )
            sys.settrace(previous_trace)
            if outer_delay:  # give the enclosing timer what is left of it, or fire it now
                left = outer_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)

    def _run_with_trace[T](self, function: Callable[[], T]) -> T:
        previous_trace = sys.gettrace()
        self._expires_at = time.monotonic() + self.seconds
        sys.settrace(self._trace)
        try:
            return function()
        finally:
            sys.settrace(previous_trace)

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        """SIGALRM: stop the script if it is running, else at its first line (if it starts)."""
        self._expires_at = 0.0
        if any(f.f_code.co_filename == self.filename for f in _stack(frame)):
            self._stop()
        sys.settrace(self._trace)

    def _trace(self, frame: FrameType, event: str, arg: object) -> _TraceFunction | None:
        """Trace hook: stop script frames once expired; leave other code untraced."""
        if frame.f_code.co_filename != self.filename:
            return None
        if event in ("call", "line") and time.monotonic() >= self._expires_at:
            self._stop()
        return self._trace

    def _stop(self) -> None:
        self.fired = True
        raise Timeout


def _stack(frame: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back
