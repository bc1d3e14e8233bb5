"""The call channel under attack: a worker that stops reading while the engine answers a call
late, text that JSON can carry but UTF-8 cannot (lone surrogates, as a sender's JSON payload
may hold), arguments nested past what the engine parses. Each gets a defined result within
the run's time, and the process lives on where it did nothing wrong."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests.unit.sandbox.push import push_fields
from webhook_engine.sandbox.protocol import (
    MAX_REPLY_FRAME,
    MAX_REQUEST_FRAME,
    FrameReader,
    FrameTimeout,
    write_all,
)
from webhook_engine.sandbox.supervisor import ScriptProcess, ScriptRun, script_request
from webhook_engine.sandbox.worker import MAX_CALL_DEPTH, Worker

LIMIT = 1.0
GRACE = 0.3  # the sandbox fixture's (tests/integration/sandbox/conftest.py)
ANSWER = {"status": 200, "headers": {}, "text": "", "url": "https://api.example.com/"}


def function(source: str) -> ScriptRun:
    return ScriptRun(source, "function:test", "function", {}, LIMIT)


def test_a_write_to_a_reader_that_never_reads_ends_at_its_deadline():
    # Given a pipe whose reader never reads, made non-blocking as the engine's end is
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    started = time.monotonic()
    # When a frame larger than the pipe holds is written with a deadline
    with pytest.raises(FrameTimeout):
        write_all(writer, b"x" * 1_000_000, started + 0.2)
    # Then the write gave up at the deadline instead of blocking for ever
    assert time.monotonic() - started < 1.0
    os.close(reader)
    os.close(writer)


def test_a_late_answer_to_a_worker_busy_sending_its_result_cannot_hang_the_engine(
    process: ScriptProcess,
):
    # Given a script that logs much (a result frame larger than a pipe holds) and then calls,
    # and a call the engine answers past the script's limit with a large value: the worker,
    # stopped at its limit, is writing its result while the engine writes its answer
    source = 'for i in range(15):\n    log.info("\\x01" * 4000)\nhttp.get("https://x/")'

    def late(args: object) -> object:
        time.sleep(LIMIT + 0.2)
        return ANSWER | {"text": "x" * 1_000_000}

    started = time.monotonic()
    # When it runs
    outcome = process.run(script_request(**push_fields()), function(source), {"http": late})
    # Then the engine gave up at the limit plus grace (plus the call's own lateness), killed
    # the worker, and the next run has a new one
    assert time.monotonic() - started < LIMIT + GRACE + 1.5
    assert outcome.error is not None
    assert outcome.error.startswith("ScriptTimeoutError")
    assert process.run(script_request(**push_fields()), function("return 1")).ok


def surrogate_request():
    fields = push_fields()
    fields["body"] = b'{"ref": "refs/heads/\\ud800main"}'
    return script_request(**fields)


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ('log.info(payload["ref"])', "logs"),
        ('log.set_message(payload["ref"])', "summary"),
        ('raise ValueError(payload["ref"])', "error"),
    ],
)
def test_a_lone_surrogate_from_the_sender_reaches_the_record_replaced(
    process: ScriptProcess, source, where
):
    # Given a sender's JSON payload with a lone surrogate (valid JSON, not valid UTF-8)
    request = surrogate_request()
    # When a script logs it, sets it as its summary or raises it
    outcome = process.run(request, function(source))
    # Then the engine took the result, the surrogate replaced, and the process lives on
    text = {
        "logs": outcome.logs[0].message if outcome.logs else "",
        "summary": outcome.summary or "",
        "error": outcome.error or "",
    }[where]
    assert "refs/heads/?main" in text
    assert process.processes == 1


def test_call_arguments_with_a_lone_surrogate_reach_the_engine_replaced(process: ScriptProcess):
    # Given a script that forwards the sender's text in a call
    seen: list[object] = []

    def http(args: dict[str, object]) -> object:
        seen.append(args["data"])
        return ANSWER

    # When it runs
    outcome = process.run(
        surrogate_request(),
        function('http.post("https://x/", data=payload["ref"])'),
        {"http": http},
    )
    # Then the call was made with valid text, and the run succeeded in the same process
    assert outcome.ok, outcome.error
    assert seen == ["refs/heads/?main"]
    assert process.processes == 1


def test_call_arguments_nested_too_deeply_are_refused_in_the_script(process: ScriptProcess):
    # Given a script sending a value nested deeper than a call may carry, catching the error
    source = (
        "deep = []\n"
        f"for i in range({MAX_CALL_DEPTH + 50}):\n"
        "    deep = [deep]\n"
        "try:\n"
        '    http.post("https://x/", json=deep)\n'
        "except Exception as error:\n"
        "    log.info(str(error))\n"
        "return True"
    )
    called: list[object] = []
    # When it runs
    outcome = process.run(
        script_request(**push_fields()), function(source), {"http": called.append}
    )
    # Then the script got an error naming the limit, the engine was not asked, and the process
    # was not replaced
    assert outcome.ok, outcome.error
    assert [line.message for line in outcome.logs] == [
        f"http: arguments nested deeper than {MAX_CALL_DEPTH} levels (limit)"
    ]
    assert called == []
    assert process.processes == 1


def test_call_arguments_larger_than_a_frame_are_refused_in_the_script(process: ScriptProcess):
    # Given a script sending more than one frame may carry
    source = f'http.post("https://x/", data="a" * {MAX_REPLY_FRAME + 1})'
    called: list[object] = []
    # When it runs
    outcome = process.run(
        script_request(**push_fields()), function(source), {"http": called.append}
    )
    # Then the script failed on a limit error naming it, the engine was not asked, and the
    # worker lives on
    assert outcome.error == (
        f"ActionLimitError: http: arguments over {MAX_REPLY_FRAME:,} bytes (limit) (line 1)"
    )
    assert called == []
    assert process.processes == 1


class Stopped(BaseException):
    """What the script's timer raises (the sandbox's Timeout, for this test)."""


def test_a_timeout_while_a_call_is_written_leaves_the_frame_whole():
    # Given a worker on pipes whose engine end reads only after the script's timer fired,
    # and a call larger than a pipe holds
    engine_in, worker_out = os.pipe()
    worker_in, engine_out = os.pipe()
    worker = Worker(FrameReader(worker_in, MAX_REQUEST_FRAME), worker_out)
    received = bytearray()

    def engine() -> None:
        time.sleep(0.3)
        while chunk := os.read(engine_in, 1 << 16):
            received.extend(chunk)

    reader = threading.Thread(target=engine)
    reader.start()

    def stop(signum: int, frame: object) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    # When the timer fires while the call's frame is being written
    try:
        with pytest.raises(Stopped):
            worker.call(1, "http", {"method": "POST", "url": "https://x/", "data": "a" * 500_000})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.close(worker_out)
        reader.join(5)
    # Then the script was stopped after the whole frame was on the pipe, not in its middle
    # (half a frame followed by the result would be an invalid reply, killing the worker)
    assert received.endswith(b"\n")
    assert received.count(b"\n") == 1
    for fd in (engine_in, worker_in, engine_out):
        os.close(fd)
