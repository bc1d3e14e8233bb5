"""Layer 2: scripts run in fresh script processes forked from a zygote, which the engine times,
validates and replaces. By class: each failure of a script gets a defined result and the next
run a new process; each failure that is not a script's is an infrastructure error."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tests.escapes import ENUM_ESCAPE, ENUM_ESCAPE_REFUSED
from tests.integration.sandbox.injected import zygote_with
from tests.unit.sandbox.push import push_fields
from webhook_engine.actions.errors import ActionRefused
from webhook_engine.sandbox.confinement import ProcessLimits
from webhook_engine.sandbox.protocol import MAX_REPLY_FRAME, MAX_REQUEST_FRAME, FrameReader, encode
from webhook_engine.sandbox.supervisor import (
    Sandbox,
    SandboxUnavailableError,
    ScriptProcess,
    ScriptRun,
    script_request,
    worker_environment,
    zygote_command,
)
from webhook_engine.sandbox.worker import Worker

LIMIT = 1.0
REQUEST = script_request(**push_fields())


def run(process: ScriptProcess, source: str, kind: str = "function", limit: float = LIMIT, **props):
    script = ScriptRun(source, f"{kind}:test", kind, props, limit)  # type: ignore[arg-type]
    return process.run(REQUEST, script)


def test_a_script_sees_its_names_and_its_logs_come_back(process):
    # Given a function script using the request, props, log and print
    source = (
        "log.info(payload['repository']['full_name'] + ' ' + query['projectId'])\n"
        "print(headers['x-github-event'], props['ORG'], received_at.year)\n"
        "log.set_message(uri + ' by ' + method)\n"
        "return raw_body[:1] == b'{'"
    )
    # When it runs in a script process
    outcome = run(process, source, ORG="acme")
    # Then its return value's truth, its log lines and its summary come back
    assert outcome.ok
    assert outcome.truthy
    assert [(line.level, line.message) for line in outcome.logs] == [
        ("INFO", "acme/payments 7"),
        ("INFO", "push acme 2026"),
    ]
    assert outcome.summary == "git/push by POST"


def test_script_errors_name_the_line_and_the_process_stays(process):
    # Given a script failing on line 2
    # When it runs, then another script of the same provider
    outcome = run(process, "x = 1\nreturn payload['missing']")
    following = run(process, "return 1")
    # Then the error names it, and the next script ran in the same process
    assert not outcome.ok
    assert outcome.error == "KeyError: 'missing' (line 2)"
    assert outcome.error_line == 2
    assert following.ok
    assert process.processes == 1


def test_each_provider_of_a_message_gets_a_process_of_its_own(sandbox):
    # Given two providers' scripts for one message, the first with a secret property
    with sandbox.process() as github, sandbox.process() as jira:
        # When each runs, the second looking for the first one's props and process
        assert run(github, "return props['SECRET']", "match", SECRET="s3cret").truthy
        outcome = run(jira, "return dict(props)", "match")
        # Then they ran in two processes, and the second saw only its own (empty) props
        assert outcome.ok
        assert not outcome.truthy
        assert github.pid != jira.pid


def test_a_process_ends_with_its_provider_and_the_next_message_gets_another(sandbox):
    # Given a provider's scripts for one message, done
    with sandbox.process() as first:
        assert run(first, "return 1").ok
        pid = first.pid
    assert pid is not None
    # When the next message's scripts run
    with sandbox.process() as second:
        assert run(second, "return 1").ok
        # Then they run in another process, and the first one has exited
        assert second.pid != pid
    assert _gone(pid)


def test_more_providers_than_spares_cost_one_zygote_and_one_process_each():
    # Given a sandbox keeping two spares
    sandbox = Sandbox(spares=2)
    # When ten providers' match scripts run for one message
    pids = set()
    for _ in range(10):
        with sandbox.process() as process:
            assert run(process, "return False", "match").ok
            pids.add(process.pid)
    # Then each had its own process, all forked by one zygote
    assert len(pids) == 10
    assert sandbox.processes_used == 10
    assert sandbox.zygotes_started == 1
    sandbox.close()


@pytest.mark.parametrize(
    ("source", "error"),
    [
        # crashes in C: a deep structure hashed, compared, printed
        (
            "t = ()\nfor i in range(300000):\n    t = (t,)\nreturn hash(t)",
            "ScriptProcessError: script process killed: signal 11 (SIGSEGV)",
        ),
        (
            "a, b = [], []\nfor i in range(300000):\n    a, b = [a], [b]\nreturn a == b",
            "RecursionError",
        ),
        ("d = {}\nfor i in range(300000):\n    d = {'d': d}\nreturn repr(d)", "RecursionError"),
        # memory bombs
        ("x = 'a' * 10**10", "MemoryError: script process killed: memory limit 256 MB"),
        (
            "x = []\nwhile True:\n    x.append('a' * 10**7)",
            "MemoryError: script process killed: memory limit 256 MB",
        ),
        ("return 10**(10**8)", "ScriptTimeoutError: script ran longer than 1 s"),
        # loops inside C, blocking calls, catastrophic regular expressions
        (
            "import itertools\nreturn sum(itertools.repeat(1))",
            "ScriptTimeoutError: script ran longer than 1 s; script process killed",
        ),
        ("import time\ntime.sleep(30)", "ScriptTimeoutError: script ran longer than 1 s"),
        ("import re\nreturn re.match('(a+)+$', 'a' * 64 + 'b')", "ScriptTimeoutError"),
        ("while True:\n    pass", "ScriptTimeoutError: script ran longer than 1 s (line 1)"),
    ],
    ids=[
        "hash-deep-tuple",
        "compare-deep-list",
        "repr-deep-dict",
        "one-huge-string",
        "growing-list",
        "huge-int",
        "sum-in-c",
        "sleep",
        "regex",
        "python-loop",
    ],
)
def test_runaway_and_crashing_scripts_fail_only_their_run(process, source, error):
    # Given a script that crashes, exhausts memory or spins, in C or in Python (scripts that
    # should not time out get time to spare on loaded cores)
    limit = LIMIT if error.startswith("ScriptTimeoutError") else 10 * LIMIT
    # When it runs
    outcome = run(process, source, limit=limit)
    # Then that run failed with an error saying what happened, and the next run works
    assert not outcome.ok
    assert outcome.error is not None
    assert outcome.error.startswith(error)
    assert run(process, "log.info('next')\nreturn True").truthy


@pytest.mark.parametrize(
    ("source", "check"),
    [
        (
            "for i in range(10**4):\n    log.info('x' * 10**4)",
            lambda o: len(o.logs) == 16 and o.error.startswith("LogLimitError: more than 65,536"),
        ),
        (
            "for i in range(10**4):\n    log.info(i)",
            lambda o: len(o.logs) == 200 and "more than 200 log entries" in o.error,
        ),
        ("log.info('x' * 10**7)", lambda o: len(o.logs[0].message) == 4000),
        ("print('x' * 10**7)", lambda o: len(o.logs[0].message) == 4000),
        ("log.set_message('x' * 10**7)", lambda o: len(o.summary) == 500),
        ("return 'x' * 10**7", lambda o: o.ok and o.truthy),
        ("raise ValueError('x' * 10**7)", lambda o: len(o.error) < 600),
    ],
    ids=[
        "many-bytes",
        "many-entries",
        "long-entry",
        "long-print",
        "long-summary",
        "huge-return",
        "huge-error",
    ],
)
def test_huge_outputs_are_capped(process, source, check):
    # Given a script producing far more output than is kept
    # When it runs
    outcome = run(process, source)
    # Then what comes back is within the caps
    assert check(outcome)


GARBAGE_RESULT = """
replace_run(lambda self, frame: {"type": "result", "id": frame["id"], "ok": True,
                                 "truthy": "yes", "logs": []})
"""
ENDLESS_FRAME = """
import os
def run(self, frame):
    while True:
        os.write(1, b"x" * 65536)
replace_run(run)
"""
CALLS = """
import json
def run(self, frame):
    answers = [self.call(frame["id"], "echo", {"x": 1})]
    try:
        self.call(frame["id"], "nope", {})
    except Exception as error:
        answers.append(f"{type(error).__name__}: {error}")
    return {"type": "result", "id": frame["id"], "ok": True, "truthy": True, "logs": [],
            "summary": json.dumps(answers)}
replace_run(run)
"""


@pytest.mark.parametrize(
    ("patch", "error"),
    [
        (GARBAGE_RESULT, "script process sent an invalid reply"),
        (ENDLESS_FRAME, "script process sent an invalid reply (frame larger than"),
    ],
    ids=["invalid-result", "endless-frame"],
)
def test_a_process_that_replies_garbage_fails_its_run_and_is_killed(patch, error):
    # Given script processes whose replies are not frames the engine accepts
    sandbox = Sandbox(command=zygote_with(patch), spares=0)
    with sandbox.process() as process:
        # When a script runs
        outcome = run(process, "return 1")
        # Then the reply was refused, the process killed, and the next run had another
        assert outcome.error is not None
        assert outcome.error.startswith(error)
        assert process.pid is None
        run(process, "return 1")
        assert process.processes == 2
    sandbox.close()


def test_toolkit_calls_are_answered_by_the_engine():
    # Given a process that asks the engine for `echo` during its run, then for `nope`
    sandbox = Sandbox(command=zygote_with(CALLS), spares=0)
    script = ScriptRun("return 1", "function:t", "function", {}, LIMIT)
    # When a script runs with an `echo` call available
    with sandbox.process() as process:
        outcome = process.run(REQUEST, script, calls={"echo": lambda args: {"echoed": args}})
    # Then the process got the engine's answer, and a refusal for what is not available
    assert json.loads(outcome.summary or "") == [
        {"echoed": {"x": 1}},
        "ActionRefused: nope is not available to function scripts",
    ]
    sandbox.close()


def test_a_zygote_that_cannot_start_is_an_infrastructure_failure_naming_its_cause():
    # Given a zygote command that fails at once, saying why on stderr
    broken = zygote_with("raise SystemExit('libpython3.13.so: cannot open shared object')")
    sandbox = Sandbox(command=broken)
    # When scripts are to run, twice
    for _ in range(2):
        with pytest.raises(SandboxUnavailableError) as refused, sandbox.process() as process:
            run(process, "return 1")
        # Then each time it is an infrastructure error with the zygote's own words, and the
        # next attempt starts the zygote again
        assert "script processes cannot start: " in refused.value.message
        assert "libpython3.13.so: cannot open shared object" in refused.value.message
    assert sandbox.zygotes_started == 2


def test_a_process_killed_from_outside_during_a_run_is_an_infrastructure_failure(sandbox):
    # Given a script that waits, and its process killed by someone else meanwhile
    with sandbox.process() as process:
        assert run(process, "return 1").ok
        pid = process.pid
        assert pid is not None
        killer = subprocess.Popen(["sh", "-c", f"sleep 0.3; kill -9 {pid}"])
        # When the script runs
        with pytest.raises(SandboxUnavailableError) as lost:
            run(process, "import time\ntime.sleep(5)", limit=10)
        killer.wait()
    # Then the run is not recorded as the script's failure: it is an infrastructure error
    assert lost.value.message == "script process killed from outside (signal 9, SIGKILL)"


def test_a_dead_zygote_is_replaced_and_its_processes_die_with_it():
    # Given a sandbox whose zygote is killed while a process of it waits for its next script
    sandbox = Sandbox()
    with sandbox.process() as process:
        assert run(process, "return 1").ok
        pid = process.pid
        zygote = sandbox._zygote
        assert zygote is not None
        zygote.popen.kill()
        zygote.popen.wait()
        # When that process is asked to run a script
        with pytest.raises(SandboxUnavailableError):
            run(process, "return 1")
    assert pid is not None
    assert _gone(pid)  # it died with its zygote (PR_SET_PDEATHSIG)
    # Then the next provider's scripts run under a new zygote
    with sandbox.process() as process:
        assert run(process, "return 1").ok
    assert sandbox.zygotes_started == 2
    sandbox.close()


def test_a_process_missing_a_required_protection_is_never_used():
    # Given a deployment requiring a protection no process can report
    sandbox = Sandbox(required=frozenset({"a-protection-this-kernel-lacks"}))
    # When a script is to run
    with pytest.raises(SandboxUnavailableError) as refused, sandbox.process() as process:
        run(process, "return 1")
    # Then no process ran it, and the error names what is missing
    assert refused.value.message == (
        "script process lacks required protections: a-protection-this-kernel-lacks"
    )
    sandbox.close()


def test_the_worker_asks_the_engine_and_waits_for_its_reply():
    # Given a worker on pipes, with the engine's reply already waiting
    engine_in, worker_out = os.pipe()
    worker_in, engine_out = os.pipe()
    worker = Worker(FrameReader(worker_in, MAX_REQUEST_FRAME), worker_out)
    os.write(engine_out, encode({"type": "reply", "id": 1, "ok": True, "value": {"status": 200}}))
    refusal = {"type": "reply", "id": 2, "ok": False, "error": "refused", "kind": "ActionRefused"}
    os.write(engine_out, encode(refusal))
    # When it calls the engine twice during run 5
    answer = worker.call(5, "http.get", {"url": "https://example.com"})
    with pytest.raises(ActionRefused, match="refused"):
        worker.call(5, "aws.invoke", {})
    # Then the first call got the engine's value, and the engine saw both calls
    assert answer == {"status": 200}
    calls = FrameReader(engine_in, MAX_REPLY_FRAME)
    first = json.loads(calls.read_line())
    assert first == {
        "type": "call",
        "id": 1,
        "run": 5,
        "target": "http.get",
        "args": {"url": "https://example.com"},
    }
    assert json.loads(calls.read_line())["target"] == "aws.invoke"
    for fd in (engine_in, worker_out, worker_in, engine_out):
        os.close(fd)


def test_cpu_time_is_limited_even_when_the_engine_waits_longer():
    # Given an engine that would wait a minute past the limit, processes allowed one CPU second
    # in their life, and a script spinning inside C
    sandbox = Sandbox(ProcessLimits(cpu_seconds=1), grace=60.0)
    spin = ScriptRun(
        "import itertools\nsum(itertools.repeat(1))", "function:t", "function", {}, 0.5
    )
    with sandbox.process() as process:
        # When it runs
        outcome = process.run(REQUEST, spin)
        # Then the process's own CPU limit ended it first, and the next run gets a new one
        assert (
            outcome.error
            == "ScriptTimeoutError: script process killed: CPU time limit (signal 24, SIGXCPU)"
        )
        assert run(process, "return 1").ok
        assert process.processes == 2
    sandbox.close()


def test_the_zygote_imports_no_engine_dependency():
    # Given the zygote's interpreter, environment and imports
    command = zygote_command(ProcessLimits())
    code = (
        "import json, os, sys\nfrom webhook_engine.sandbox import zygote, worker\n"
        "worker.preload()\n"
        "os.write(1, json.dumps(sorted({name.split('.')[0] for name in sys.modules})).encode())"
    )
    # When it has loaded everything scripts may use
    done = subprocess.run(
        [*command[: command.index("-m")], "-c", code],
        env=worker_environment(),
        capture_output=True,
        timeout=30,
        check=True,
    )
    # Then neither pydantic, boto3 nor Powertools is in it (a short cold start, less to reach)
    loaded = set(json.loads(done.stdout))
    assert loaded.isdisjoint({"pydantic", "boto3", "botocore", "aws_lambda_powertools", "yaml"})
    assert {"RestrictedPython", "webhook_engine"} <= loaded


def _gone(pid: int, wait: float = 5.0) -> bool:
    """Whether process `pid` has ended (it is not our child: the zygote reaps it)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def test_spare_processes_are_forked_ahead_of_need():
    # Given a started sandbox keeping two spares
    sandbox = Sandbox(spares=2)
    sandbox.start()
    # When the first provider's scripts take a process
    with sandbox.process() as process:
        assert run(process, "return 1").ok
    # Then the zygote had been asked for the spares at start, and one was taken
    assert sandbox.processes_used == 1
    assert len(sandbox._spares) == 2
    sandbox.close()


def test_the_enum_escape_is_refused_in_a_script_process(process):
    # Given a script process, forked as the engine forks it
    request = script_request(**push_fields())
    # When the escaping script runs in it
    outcome = process.run(request, ScriptRun(ENUM_ESCAPE, "function:t", "function", {}, 2))
    # Then the run fails with the same refusal, and no process id came back
    assert not outcome.ok
    assert (outcome.error or "").startswith(ENUM_ESCAPE_REFUSED)
