"""Time limits for scripts.

In a process's main thread (Lambda, the local stack's workers) a `SIGALRM` timer interrupts the
script, sleeping or looping alike. Elsewhere signals are unavailable, so a `sys.settrace` hook
checks the clock on every line and call of the script instead (a blocking C call such as
`time.sleep` then runs to its end before the script is stopped).

Either way, once the time is up every further line of the script raises `ScriptTimeoutError`
again, so `try: ... except: pass` cannot swallow the timeout and carry on.

Code that spins inside C without returning to Python (catastrophic regular expressions,
`sum(itertools.repeat(1))`) is not interrupted by either: only the Lambda timeout stops it
(DESIGN 8), so function time limits stay below the Lambda timeout.
"""

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from webhook_engine.sandbox.errors import ScriptTimeoutError

_TraceFunction = Callable[[FrameType, str, Any], Any]


class Deadline:
    """Runs one script (code compiled under `filename`) for at most `seconds`."""

    def __init__(self, filename: str, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a script's time limit must be positive")
        self.filename = filename
        self.seconds = seconds
        self.fired = False  # a timeout was raised inside the script
        self._expires_at = float("inf")  # the trace hook stops the script from then on

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
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
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
        """SIGALRM: expire now; raise if the script is running (not yet, or no longer, is fine)."""
        self._expires_at = 0.0
        script_frames = [f for f in _stack(frame) if f.f_code.co_filename == self.filename]
        for script_frame in script_frames:
            script_frame.f_trace = self._trace
        sys.settrace(self._trace)  # frames the script enters from now on
        if script_frames:
            self._raise()

    def _trace(self, frame: FrameType, event: str, arg: object) -> _TraceFunction | None:
        """Trace hook: stop script frames once expired; leave other code untraced."""
        if frame.f_code.co_filename != self.filename:
            return None
        if time.monotonic() >= self._expires_at:
            self._raise()
        return self._trace

    def _raise(self) -> None:
        self.fired = True
        raise ScriptTimeoutError(f"script ran longer than {self.seconds:g} s")


def _stack(frame: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back
