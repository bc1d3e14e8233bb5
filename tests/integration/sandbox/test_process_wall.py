"""The process wall, alone: unrestricted Python (what code past the language wall can run)
inside a real script process, forked and confined exactly as in production.

Each class of attack runs with every wall, then with each wall removed in turn, so that every
protection is shown to hold on its own: the audit hook without the kernel wall, the kernel wall
without the audit hook, and what the resource limits stop when both are gone. docs/security.md
("The process wall") has the same table, and which rows hold on Lambda by reasoning.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.sandbox.injected import UNRESTRICTED, zygote_with
from tests.unit.sandbox.push import push_fields
from webhook_engine.sandbox.confinement import ALWAYS_REQUIRED, KERNEL_WALL, ProcessLimits
from webhook_engine.sandbox.supervisor import (
    Sandbox,
    SandboxUnavailableError,
    ScriptRun,
    script_request,
)

REQUEST = script_request(**push_fields())
ENGINE = os.getpid()


def _capable(capability: int) -> bool:
    """Whether this process (and so a script process forked for it) holds a capability."""
    status = Path("/proc/self/status").read_text()
    effective = next(line for line in status.splitlines() if line.startswith("CapEff:"))
    return bool(int(effective.split()[1], 16) >> capability & 1)


# The kernel lets a process with CAP_SYS_RESOURCE raise hard limits, and exempts it (and one
# with CAP_SYS_ADMIN, or root) from RLIMIT_NPROC: there, the limits alone do not stop these.
RAISES_LIMITS = _capable(24)
FORKS_PAST_NPROC = os.geteuid() == 0 or _capable(21) or RAISES_LIMITS
# The walls a configuration removes (by skipping their confinement steps), and what the
# engine then requires of a process.
WALLS = {
    "all walls": frozenset(),
    "no audit hook": frozenset({"audit_hook"}),
    "no kernel wall": frozenset({"no_new_privs", "seccomp"}),
    "resource limits only": frozenset({"audit_hook", "no_new_privs", "seccomp"}),
}


def _without(skipped: frozenset[str]) -> str:
    """Zygote code that makes every script process skip `skipped` confinement steps."""
    return (
        "from webhook_engine.sandbox import confinement\n"
        "_confine = confinement.confine\n"
        "def confine(limits, skip=frozenset(), before=lambda step: None):\n"
        f"    return _confine(limits, skip | {set(skipped) or set()!r}, before)\n"
        "confinement.confine = confine\n"
    )


@pytest.fixture(scope="module", params=list(WALLS))
def walls(request: pytest.FixtureRequest) -> Iterator[tuple[str, Sandbox]]:
    skipped = WALLS[request.param]
    command = zygote_with(UNRESTRICTED, ProcessLimits(), prefix=_without(skipped))
    sandbox = Sandbox(command=command, required=ALWAYS_REQUIRED - skipped, grace=0.3)
    yield request.param, sandbox
    sandbox.close()


def attack(sandbox: Sandbox, source: str, limit: float = 5.0) -> object:
    """Run `source` unrestricted in a fresh script process: what it returned, or its error."""
    with sandbox.process() as process:
        outcome = process.run(REQUEST, ScriptRun(source, "function:attack", "function", {}, limit))
    return json.loads(outcome.summary or "null") if outcome.ok else f"failed: {outcome.error}"


def _tried(action: str) -> str:
    """Attack code: `action`, then "allowed", or the exception that refused it."""
    return (
        f"try:\n    {action}\nexcept BaseException as error:\n"
        "    return 'refused: ' + type(error).__name__ + ' ' + str(getattr(error, 'errno', ''))\n"
        "return 'allowed'"
    )


@pytest.fixture(scope="module")
def victim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wall") / "victim"


# Each attack, and the walls that stop it on their own (the resource limits' part is that no
# new file descriptor can be made, and, for a user other than root, no new process).
AUDIT, KERNEL, LIMITS = "audit_hook", "seccomp", "rlimits"
ATTACKS = {
    "read the engine's environment (credentials)": (
        f"open('/proc/{ENGINE}/environ', 'rb').read()",
        {AUDIT, KERNEL, LIMITS},
    ),
    "read a file": ("open('/etc/hostname').read()", {AUDIT, KERNEL, LIMITS}),
    "open a socket": ("import socket; socket.socket()", {AUDIT, KERNEL, LIMITS}),
    "import a module not loaded": ("import sqlite3", {AUDIT, KERNEL, LIMITS}),
    "signal the engine": (f"import os; os.kill({ENGINE}, 0)", {AUDIT, KERNEL}),
    "signal the zygote": ("import os; os.kill(os.getppid(), 0)", {AUDIT, KERNEL}),
    "signal every process": ("import os; os.kill(-1, 0)", {AUDIT, KERNEL}),
    "start a process": (
        "import os; pid = os.fork(); pid == 0 and os._exit(0)",
        {AUDIT, KERNEL} | (set() if FORKS_PAST_NPROC else {LIMITS}),
    ),
    "run a program": ("import os; os.execv('/bin/true', ['true'])", {AUDIT, KERNEL}),
    "delete a file": ("import os; os.unlink(VICTIM)", {AUDIT, KERNEL}),
    "trace the engine": (
        "import ctypes; libc = ctypes.CDLL(None, use_errno=True); "
        f"assert libc.syscall(TRACE, 16, {ENGINE}, 0, 0) == 0, ctypes.get_errno()",
        {AUDIT, KERNEL},
    ),
    "raise its own limits": (
        "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))",
        {AUDIT, KERNEL} | (set() if RAISES_LIMITS else {LIMITS}),
    ),
    "make code from bytes": ("(lambda: 0).__code__.replace(co_consts=(1,))", {AUDIT}),
}
PRESENT = {
    "all walls": {AUDIT, KERNEL, LIMITS},
    "no audit hook": {KERNEL, LIMITS},
    "no kernel wall": {AUDIT, LIMITS},
    "resource limits only": {LIMITS},
}
# Attacks that would harm the test run where nothing stops them: not attempted there.
HARMFUL = {"trace the engine"}  # PTRACE_ATTACH stops the engine


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_attack_is_refused_by_each_wall_on_its_own(walls, victim, name):
    # Given a script process with some walls removed, and an attack (a file to delete exists)
    configuration, sandbox = walls
    action, stopped_by = ATTACKS[name]
    stopped = bool(stopped_by & PRESENT[configuration])
    if not stopped and name in HARMFUL:
        pytest.skip("nothing left stops it, and it would harm the test run")
    victim.write_text("still here")
    trace = {"x86_64": 101, "aarch64": 117}[os.uname().machine]
    source = _tried(action.replace("VICTIM", repr(str(victim))).replace("TRACE", str(trace)))
    # When the attack runs, unrestricted, in the process
    found = attack(sandbox, source)
    # Then any one wall that stops it is enough; with none of them left, it gets through (the
    # table of docs/security.md says so)
    assert isinstance(found, str)
    if stopped:
        assert found.startswith("refused"), found
        assert victim.exists()
    else:
        assert found == "allowed" or found.startswith("failed: ScriptProcessError"), found


def test_the_process_has_no_credential_and_no_variable_of_the_function(walls, monkeypatch):
    # Given credentials in the engine's environment
    _, sandbox = walls
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "canary")
    # When code in a script process (whose zygote started without them) looks around
    found = attack(sandbox, "import os\nreturn sorted(os.environ)")
    # Then it sees only where its code is, the time zone and the locale
    assert found == ["LC_CTYPE", "PYTHONPATH", "PYTHONUTF8", "TZ"]


def test_what_a_process_writes_on_stderr_never_reaches_the_engines(walls, capfd):
    # Given code that writes a forged log line on every stream it can name
    _, sandbox = walls
    source = (
        'import os, sys\nline = \'{"level": "ERROR", "message": "forged"}\\n\'\n'
        "os.write(2, line.encode())\nsys.__stderr__.write(line)\nsys.__stderr__.flush()\n"
        "return 'written'"
    )
    # When it runs
    found = attack(sandbox, source)
    # Then nothing of it reached the engine's stderr (the process's is /dev/null)
    assert found == "written"
    assert "forged" not in capfd.readouterr().err


def test_nothing_a_process_changes_survives_its_message(walls):
    # Given code that hooks its process so that every later run "matches"
    _, sandbox = walls
    hook = (
        "type(worker).run = lambda self, frame: {'type': 'result', 'id': frame['id'],"
        " 'ok': True, 'truthy': True, 'logs': [], 'summary': '\"hooked\"'}\n"
        "return 'hooked'"
    )
    assert attack(sandbox, hook) == "hooked"
    # When the next message's (or provider's) script runs
    found = attack(sandbox, "return 'clean'")
    # Then it ran in a new process, which the hook never touched
    assert found == "clean"


def test_a_script_that_swallows_its_timeout_is_killed_at_the_deadline(walls):
    # Given code that catches the time limit's exception and goes on
    _, sandbox = walls
    source = "while True:\n    try:\n        while True:\n            pass\n"
    source += "    except BaseException:\n        pass"
    # When it runs with a one-second limit
    found = attack(sandbox, source, limit=1.0)
    # Then the engine killed its process at the limit plus the grace period
    assert found == "failed: ScriptTimeoutError: script ran longer than 1 s; script process killed"


def test_one_providers_process_cannot_reach_anothers(walls):
    # Given two providers' processes for one message
    _, sandbox = walls
    with sandbox.process() as first, sandbox.process() as second:
        target = ScriptRun("return 1", "function:t", "function", {}, 2.0)
        assert second.run(REQUEST, target).ok
        # When the first one signals the second
        source = _tried(f"import os; os.kill({second.pid}, 0)")
        run = ScriptRun(source, "function:attack", "function", {}, 5.0)
        found = json.loads(first.run(REQUEST, run).summary or "null")
        # Then it is refused, and the second runs on
        if walls[0] != "resource limits only":
            assert found.startswith("refused")
        assert second.run(REQUEST, target).ok


# A kernel like Lambda's: its own seccomp filter kills a process that installs one (the `seccomp`
# system call, or `prctl(PR_SET_SECCOMP)`), or refuses the `prctl` with EPERM.
_PARENT_FILTER = """
import ctypes, os, struct
def _filter(action):
    nr_prctl, nr_seccomp = {"x86_64": (157, 317), "aarch64": (167, 277)}[os.uname().machine]
    ld, jeq, ret = 0x20, 0x15, 0x06
    code = [
        (ld, 0, 0, 0), (jeq, 3, 0, nr_seccomp), (jeq, 0, 3, nr_prctl),
        (ld, 0, 0, 16), (jeq, 0, 1, 22), (ret, 0, 0, action), (ret, 0, 0, 0x7FFF0000),
    ]
    program = b"".join(struct.pack("HBBI", *op) for op in code)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxQ", len(code), ctypes.addressof(buffer))
    libc = ctypes.CDLL(None)
    assert libc.prctl(38, 1, 0, 0, 0) == 0
    assert libc.prctl(22, 2, fprog, 0, 0) == 0
_filter(ACTION)
"""


@pytest.mark.parametrize(
    ("action", "refusal"),
    [(0x80000000, "kill"), (0x00050001, "EPERM")],
    ids=["kills", "refuses"],
)
def test_a_kernel_that_refuses_the_filter_is_reported_and_required_walls_fail_closed(
    action, refusal
):
    # Given a zygote on a kernel whose own filter kills (or refuses) a process installing one
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip("the parent filter knows x86_64 and aarch64")
    prefix = _PARENT_FILTER.replace("ACTION", str(action))
    reporting = Sandbox(command=zygote_with("", prefix=prefix))
    requiring = Sandbox(
        command=zygote_with("", prefix=prefix), required=ALWAYS_REQUIRED | KERNEL_WALL
    )
    # When scripts run on it, with the kernel wall reported, then required
    report = reporting.protections()
    with reporting.process() as process:
        outcome = process.run(REQUEST, ScriptRun("return 1", "match:t", "match", {}, 2.0))
    with pytest.raises(SandboxUnavailableError) as refused, requiring.process() as process:
        process.run(REQUEST, ScriptRun("return 1", "match:t", "match", {}, 2.0))
    # Then the probe found the filter unavailable (the child it killed told the zygote which
    # step), the reporting deployment runs its scripts, the requiring one refuses to
    assert report["seccomp"] is False, refusal
    assert report["audit_hook"] is True
    assert outcome.ok
    assert refused.value.message == "script process lacks required protections: seccomp"
    reporting.close()
    requiring.close()


def test_the_probe_reports_every_protection_on_this_kernel():
    # Given this machine's kernel (Linux, x86_64 or aarch64)
    sandbox = Sandbox()
    # When the zygote probes it
    report = sandbox.protections()
    # Then every protection took effect here
    assert report == {
        "parent_death_signal": True,
        "rlimits": True,
        "no_new_privs": True,
        "seccomp": sys.platform == "linux",
        "audit_hook": True,
    }
    sandbox.close()
