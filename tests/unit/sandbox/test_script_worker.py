"""Layer 2: scripts run in a separate worker process, which the engine times, validates and
replaces. The escape suite by class: each class gets a defined result, the worker is replaced
when it died, and the next run works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.unit.sandbox.push import push_fields
from webhook_engine.sandbox.protocol import MAX_REPLY_FRAME, MAX_REQUEST_FRAME, FrameReader, encode
from webhook_engine.sandbox.supervisor import (
    ScriptRun,
    Supervisor,
    Supervisors,
    script_request,
    worker_command,
    worker_environment,
)
from webhook_engine.sandbox.worker import Worker, WorkerLimits
from webhook_engine.toolkit.errors import ActionRefused

LIMIT = 1.0
REQUEST = script_request(**push_fields())


@pytest.fixture(scope="module")
def supervisor() -> Iterator[Supervisor]:
    running = Supervisor(WorkerLimits(memory_mb=256), grace=0.3)
    yield running
    running.close()


def run(
    supervisor: Supervisor, source: str, kind: str = "function", limit: float = LIMIT, **props: str
):
    script = ScriptRun(source, f"{kind}:test", kind, props, limit)  # type: ignore[arg-type]
    return supervisor.run(REQUEST, script)


def test_a_script_sees_its_names_and_its_logs_come_back(supervisor):
    # Given a function script using the request, props, log and print
    source = (
        "log.info(payload['repository']['full_name'] + ' ' + query['projectId'])\n"
        "print(headers['x-github-event'], props['ORG'], received_at.year)\n"
        "log.set_message(uri + ' by ' + method)\n"
        "return raw_body[:1] == b'{'"
    )
    # When it runs in the worker
    outcome = run(supervisor, source, ORG="acme")
    # Then its return value's truth, its log lines and its summary come back
    assert outcome.ok
    assert outcome.truthy
    assert [(line.level, line.message) for line in outcome.logs] == [
        ("INFO", "acme/payments 7"),
        ("INFO", "push acme 2026"),
    ]
    assert outcome.summary == "git/push by POST"


def test_script_errors_name_the_line(supervisor):
    # Given a script failing on line 2
    # When it runs
    outcome = run(supervisor, "x = 1\nreturn payload['missing']")
    # Then the error names it, and the worker stays
    started = supervisor.started
    assert not outcome.ok
    assert outcome.error == "KeyError: 'missing' (line 2)"
    assert outcome.error_line == 2
    assert run(supervisor, "return 1").ok
    assert supervisor.started == started


def test_props_of_one_run_are_gone_in_the_next(supervisor):
    # Given a run with a secret property
    run(supervisor, "return props['SECRET']", "match", SECRET="s3cret")
    # When the next script (another provider's) looks for it
    outcome = run(supervisor, "return dict(props)", "match")
    # Then it sees only its own props
    assert outcome.ok
    assert not outcome.truthy


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
def test_runaway_and_crashing_scripts_fail_only_their_run(supervisor, source, error):
    # Given a script that crashes, exhausts memory or spins, in C or in Python (scripts that
    # should not time out get time to spare on loaded cores)
    limit = LIMIT if error.startswith("ScriptTimeoutError") else 10 * LIMIT
    # When it runs
    outcome = run(supervisor, source, limit=limit)
    # Then that run failed with an error saying what happened, and the next run works
    assert not outcome.ok
    assert outcome.error is not None
    assert outcome.error.startswith(error)
    assert run(supervisor, "log.info('next')\nreturn True").truthy


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
def test_huge_outputs_are_capped(supervisor, source, check):
    # Given a script producing far more output than is kept
    # When it runs
    outcome = run(supervisor, source)
    # Then what comes back is within the caps
    assert check(outcome)


def test_a_worker_that_replies_garbage_is_replaced():
    # Given a "worker" that answers its first run with something that is not a result
    fake = (
        "import sys, json\n"
        "print(json.dumps({'type': 'ready', 'pid': 1}), flush=True)\n"
        "sys.stdin.readline(); sys.stdin.readline()\n"
        "print(json.dumps({'type': 'result', 'id': 1, 'ok': True, 'truthy': 'yes', 'logs': []}),"
        " flush=True)\n"
        "sys.stdin.read()\n"
    )
    supervisor = Supervisor(command=[sys.executable, "-c", fake])
    # When a script runs
    outcome = run(supervisor, "return 1")
    # Then the reply was refused and the worker discarded
    assert outcome.error is not None
    assert outcome.error.startswith("script process sent an invalid reply")
    assert supervisor.started == 1
    supervisor.close()


def test_a_worker_that_sends_an_endless_frame_is_killed():
    # Given a "worker" streaming one line without end
    fake = (
        "import json, sys\nprint(json.dumps({'type': 'ready', 'pid': 1}), flush=True)\n"
        "while True:\n    sys.stdout.write('x' * 65536)\n"
    )
    supervisor = Supervisor(command=[sys.executable, "-c", fake])
    # When a script runs
    outcome = run(supervisor, "return 1")
    # Then the frame was cut off at its limit
    assert outcome.error is not None
    assert "frame larger than" in outcome.error
    supervisor.close()


def test_toolkit_calls_are_answered_by_the_engine():
    # Given a "worker" that asks the engine for `echo` during its run, then reports the answer
    fake = (
        "import json, sys\n"
        "def send(frame): print(json.dumps(frame), flush=True)\n"
        "send({'type': 'ready', 'pid': 1})\n"
        "run = [json.loads(sys.stdin.readline()) for _ in range(2)][1]\n"
        "send({'type': 'call', 'id': 9, 'run': run['id'], 'target': 'echo', 'args': {'x': 1}})\n"
        "reply = json.loads(sys.stdin.readline())\n"
        "send({'type': 'call', 'id': 10, 'run': run['id'], 'target': 'nope', 'args': {}})\n"
        "refused = json.loads(sys.stdin.readline())\n"
        "send({'type': 'result', 'id': run['id'], 'ok': True, 'truthy': True, 'logs': [],"
        " 'summary': json.dumps([reply, refused])})\n"
        "sys.stdin.read()\n"
    )
    supervisor = Supervisor(command=[sys.executable, "-c", fake])
    # When a script runs with an `echo` call available
    script = ScriptRun("return 1", "function:t", "function", {}, LIMIT)
    outcome = supervisor.run(REQUEST, script, calls={"echo": lambda args: {"echoed": args}})
    # Then the worker got the engine's answer, and a refusal for what is not available
    reply, refused = json.loads(outcome.summary or "")
    assert reply == {"type": "reply", "id": 9, "ok": True, "value": {"echoed": {"x": 1}}}
    assert refused == {
        "type": "reply",
        "id": 10,
        "ok": False,
        "error": "nope is not available to function scripts",
        "kind": "ActionRefused",
    }
    supervisor.close()


def test_a_worker_that_cannot_start_fails_the_run_and_is_retried():
    # Given a command that exits at once
    supervisor = Supervisor(command=[sys.executable, "-c", "raise SystemExit(3)"])
    # When two scripts run
    first, second = run(supervisor, "return 1"), run(supervisor, "return 1")
    # Then each failed saying so, and each tried a new worker
    assert first.error == "script process did not start"
    assert second.error == first.error
    assert supervisor.started == 2


PROBE = """
import json, os, socket, sys
from webhook_engine.sandbox.worker import WorkerLimits, apply_limits, preload
preload()
apply_limits(WorkerLimits(memory_mb=256))
found = {"environ": sorted(os.environ)}
def attempt(name, action):
    try:
        action()
        found[name] = "allowed"
    except OSError as error:
        found[name] = error.errno
attempt("open_file", lambda: open("/etc/hostname").read())
attempt("parent_environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
attempt("socket", lambda: socket.socket())
attempt("pipe", lambda: os.pipe())
def fork():
    if os.fork() == 0:
        os._exit(0)
    os.wait()
attempt("fork", fork)
os.write(1, json.dumps(found).encode())
"""


def test_code_in_the_worker_has_no_environment_no_files_no_sockets_no_processes(monkeypatch):
    # Given credentials in the engine's environment, and code that has escaped the language
    # layer, started exactly as the worker is, imports and limits included
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "canary")
    command = worker_command(WorkerLimits())
    probe = [*command[: command.index("-m")], "-c", PROBE]
    # When it looks around
    done = subprocess.run(
        probe, env=worker_environment(), capture_output=True, timeout=30, check=True
    )
    found = json.loads(done.stdout)
    # Then it has no environment of the function and cannot open files or sockets
    assert found["environ"] == ["LC_CTYPE", "PYTHONPATH", "PYTHONUTF8", "TZ"]
    assert found["open_file"] == found["socket"] == found["pipe"] == 24  # EMFILE
    assert found["parent_environ"] == 24
    if os.geteuid() != 0:  # RLIMIT_NPROC does not bind root
        assert found["fork"] == 11  # EAGAIN


def test_the_worker_asks_the_engine_and_waits_for_its_reply():
    # Given a worker on pipes, with the engine's reply already waiting
    engine_in, worker_out = os.pipe()
    worker_in, engine_out = os.pipe()
    worker = Worker(WorkerLimits(), FrameReader(worker_in, MAX_REQUEST_FRAME), worker_out)
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


def test_cpu_time_is_limited_per_run_even_when_the_engine_waits_longer():
    # Given an engine that would wait a minute past the limit (CPU seconds come slowly on
    # loaded cores), and a script spinning inside C
    supervisor = Supervisor(grace=60.0)
    spin = ScriptRun(
        "import itertools\nsum(itertools.repeat(1))", "function:t", "function", {}, 0.5
    )
    # When it runs
    outcome = supervisor.run(REQUEST, spin)
    # Then the worker's own CPU limit ended it first, and the next run gets a new worker
    assert (
        outcome.error
        == "ScriptTimeoutError: script process killed: CPU time limit (signal 24, SIGXCPU)"
    )
    assert run(supervisor, "return 1").ok
    assert supervisor.started == 2
    supervisor.close()


def test_a_worker_retires_after_half_its_cpu_seconds_and_is_replaced():
    # Given a worker allowed 2 CPU seconds in its life, and a script using more than one
    supervisor = Supervisor(WorkerLimits(cpu_seconds=2))
    source = "import time\nwhile time.process_time() < 1.2:\n    pass\nreturn True"
    busy = ScriptRun(source, "function:t", "function", {}, 10.0)
    # When it runs, then another script runs
    outcome = supervisor.run(REQUEST, busy)
    following = run(supervisor, "return 1")
    # Then the first worker retired after its run and the next script had a fresh one
    assert outcome.truthy
    assert following.ok
    assert supervisor.started == 2
    supervisor.close()


def test_a_worker_that_died_while_idle_is_replaced_without_failing_a_run(supervisor):
    # Given a warm worker killed from outside while it waits
    assert run(supervisor, "return 1").ok
    started = supervisor.started
    supervisor._process.popen.kill()  # type: ignore[union-attr]
    supervisor._process.popen.wait()  # type: ignore[union-attr]
    # When the next script runs
    outcome = run(supervisor, "return 1")
    # Then it ran in a new worker
    assert outcome.ok
    assert supervisor.started == started + 1


def test_the_worker_imports_no_engine_dependency():
    # Given the worker's interpreter, environment and imports
    command = worker_command(WorkerLimits())
    code = (
        "import json, os, sys\nfrom webhook_engine.sandbox.worker import preload\npreload()\n"
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


def test_each_provider_gets_its_own_worker_and_the_least_recent_is_stopped():
    # Given room for two workers and a spare started ahead of need
    supervisors = Supervisors(size=2)
    supervisors.start_spare()
    spare = supervisors._spare
    # When three providers run scripts, the first one twice
    github = supervisors.of("github")
    assert run(github, "return props['SECRET']", "match", SECRET="github-secret").truthy
    jira = supervisors.of("jira")
    assert supervisors.of("github") is github
    slack = supervisors.of("slack")
    # Then the first provider took the spare, each provider has a worker of its own, and the
    # least recently used one (jira's) was stopped
    assert github is spare
    assert len({id(github), id(jira), id(slack)}) == 3
    assert jira._process is None
    assert supervisors.of("jira") is not jira
    supervisors.close()


def test_a_worker_holding_more_memory_than_it_may_keep_retires_after_its_run():
    # Given a worker that may keep 1 MB when idle (any worker holds more)
    supervisor = Supervisor(WorkerLimits(retire_mb=1))
    # When two scripts run
    first, second = run(supervisor, "return 1"), run(supervisor, "return 2")
    # Then both succeeded, each in a worker of its own
    assert first.ok
    assert second.ok
    assert supervisor.started == 2
    supervisor.close()
