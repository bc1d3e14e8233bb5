"""Time limits: in the main thread (SIGALRM) and in other threads (trace hook)."""

import signal
import sys
import threading
import time

import pytest

from webhook_engine.sandbox import ScriptError, ScriptTimeoutError, compile_script, run_script
from webhook_engine.sandbox.time_limit import seconds_text

SPIN = "x = 0\nwhile True:\n    x += 1"
# Would catch the timeout if it were an Exception, and loop again.
SWALLOW = "while True:\n    try:\n        while True:\n            pass\n    except Exception:\n        pass"
# Cannot name BaseException: the NameError while matching ends the script.
CATCH_ALL = "try:\n    while True:\n        pass\nexcept BaseException:\n    pass\nreturn 1"
# `return` in `finally:` discards the timeout.
RETURN_IN_FINALLY = "try:\n    while True:\n        pass\nfinally:\n    return 1"
# Loops again while the timeout unwinds: the repeated alarm stops it (main thread only).
LOOP_IN_FINALLY = "try:\n    while True:\n        pass\nfinally:\n    while True:\n        pass"
TIMEOUT = 0.2


def run(source: str, timeout: float = TIMEOUT) -> object:
    return run_script(compile_script(source, "function:test"), {}, timeout)


def run_in_thread(source: str) -> BaseException | object:
    """Run a script in a new thread; return its result or the exception it raised."""
    outcome: list[BaseException | object] = []

    def target() -> None:
        try:
            outcome.append(run(source))
        except ScriptError as error:
            outcome.append(error)
        outcome.append(sys.gettrace())

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    result, trace_after = outcome
    assert trace_after is None  # the thread's trace hook was removed
    return result


@pytest.mark.parametrize(
    "source",
    [SPIN, SWALLOW, CATCH_ALL, RETURN_IN_FINALLY, LOOP_IN_FINALLY, "import time\ntime.sleep(30)"],
)
def test_main_thread_script_is_stopped(source):
    # Given a script that would run forever, run in the main thread (SIGALRM)
    assert threading.current_thread() is threading.main_thread()
    # When it runs with a short time limit
    with pytest.raises(ScriptTimeoutError) as caught:
        run(source)
    # Then it was stopped
    assert caught.value.error_type == "ScriptTimeoutError"
    assert caught.value.message.startswith("ScriptTimeoutError: script ran longer than 0.2 s")


@pytest.mark.parametrize("source", [SPIN, SWALLOW, CATCH_ALL, RETURN_IN_FINALLY])
def test_other_thread_script_is_stopped(source):
    # Given a script that would run forever, run outside the main thread
    # When it runs with a short time limit
    outcome = run_in_thread(source)
    # Then it was stopped
    assert isinstance(outcome, ScriptTimeoutError)


def test_timeout_names_the_line_it_stopped_at():
    # Given a script looping on lines 2-3
    # When it times out
    with pytest.raises(ScriptTimeoutError) as caught:
        run(SPIN)
    # Then the error names one of those lines
    assert caught.value.line in (2, 3)
    assert caught.value.message.endswith(f"(line {caught.value.line})")


def test_timeout_leaves_no_timer_handler_or_trace_behind():
    # Given the process's signal and trace state
    handler_before = signal.getsignal(signal.SIGALRM)
    trace_before = sys.gettrace()
    # When a script times out
    with pytest.raises(ScriptTimeoutError):
        run(SPIN)
    # Then the state is as before and the next script runs normally
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler_before
    assert sys.gettrace() is trace_before
    assert run("return sum(range(1000))", timeout=5.0) == 499500


def test_timeout_in_a_thread_leaves_the_next_script_working():
    # Given a script that timed out in a thread
    assert isinstance(run_in_thread(SPIN), ScriptTimeoutError)
    # When another script runs in a thread
    outcome = run_in_thread("return 'ok'")
    # Then it runs normally
    assert outcome == "ok"


def test_script_returning_in_time_is_not_stopped():
    # Given a short script and a generous limit
    # When it runs
    result = run("total = 0\nfor i in range(1000):\n    total += i\nreturn total", timeout=5.0)
    # Then it returns its value and no timer is left
    assert result == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_earlier_outer_timer_keeps_its_deadline_and_still_fires():
    # Given an outer timer due before the script's own limit
    fired = threading.Event()
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.set())
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        # When a looping script runs with a long limit
        with pytest.raises(ScriptTimeoutError):
            run(SPIN, timeout=30.0)
        # Then it was stopped at the outer deadline, and the outer handler still fires
        give_up = time.monotonic() + 5
        while not fired.is_set() and time.monotonic() < give_up:
            time.sleep(0.01)
        assert fired.is_set()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_later_outer_timer_is_restored_with_its_remaining_time():
    # Given an outer timer due long after the script
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    signal.setitimer(signal.ITIMER_REAL, 60.0)
    try:
        # When a short script runs
        assert run("return 1", timeout=5.0) == 1
        # Then the outer timer is pending again with (at most) what was left of it
        remaining, _interval = signal.getitimer(signal.ITIMER_REAL)
        assert 50.0 < remaining <= 60.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_time_limit_must_be_positive():
    # Given a script
    script = compile_script("return 1", "function:test")
    # When it is run without time to run
    # Then the call is refused
    with pytest.raises(ValueError, match="positive"):
        run_script(script, {}, 0)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(16.2523, "16.3"), (20.0, "20"), (2, "2"), (0.2, "0.2"), (0.04567, "0.046"), (899.96, "900")],
)
def test_a_time_limit_is_shown_as_people_read_it(seconds: float, shown: str) -> None:
    # Given a limit cut to what was left of a Lambda's time, or a round one
    # When it is written into an error
    text = seconds_text(seconds)

    # Then it has the digits that matter, no more
    assert text == shown
