"""Locking a fresh script process down before it reads a script, and saying what held.

Each script process, just forked from the zygote, applies in this order (later steps need the
earlier ones, and `prctl` and `setrlimit` are refused once the filter is on):

1. `parent_death_signal`: it dies with the zygote (PR_SET_PDEATHSIG).
2. `rlimits`: address space (`memory_mb`), CPU seconds for its whole life, no new file
   descriptor (no file, socket or pipe can be opened), no new process, no file writes, no
   core dumps.
3. `no_new_privs` and 4. `seccomp`: the kernel wall (see `seccomp`), where the kernel allows.
5. `audit_hook`: the in-process wall (see `audit`), which needs no kernel feature.

Each step is checked, not assumed: the report says which took effect. The engine refuses a
process missing a protection the deployment requires (`rlimits` and `audit_hook` always; the
kernel wall with SANDBOX_KERNEL_WALLS=require), and reports the rest.

Lambda applies its own seccomp filter, which may refuse a `prctl` or kill the process that
makes it. So the zygote first confines a throwaway probe, step by step, telling the zygote
before each step: a step that killed the probe is not attempted in script processes.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import resource
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from webhook_engine.sandbox import audit, seccomp

_PR_SET_PDEATHSIG = 1
_PR_GET_PDEATHSIG = 2
ALWAYS_REQUIRED = frozenset({"rlimits", "audit_hook"})
KERNEL_WALL = frozenset({"no_new_privs", "seccomp"})
STEPS = ("parent_death_signal", "rlimits", "no_new_privs", "seccomp", "audit_hook")
Report = dict[str, bool]


@dataclass(frozen=True)
class ProcessLimits:
    memory_mb: int = 256
    cpu_seconds: int = 60  # the whole life of a script process: one provider's scripts

    def to_json(self) -> str:
        return json.dumps({"memory_mb": self.memory_mb, "cpu_seconds": self.cpu_seconds})

    @classmethod
    def from_json(cls, text: str) -> ProcessLimits:
        values = json.loads(text)
        return cls(**{name: int(value) for name, value in values.items()})


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def prepare() -> None:
    """Do, once and before any fork, what every confinement would otherwise redo."""
    _libc()
    seccomp.prepared()


def _parent_death_signal(libc: ctypes.CDLL, parent: int) -> bool:
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent:  # the zygote died before the signal was armed
        os._exit(0)
    found = ctypes.c_int(0)
    return libc.prctl(_PR_GET_PDEATHSIG, ctypes.byref(found), 0, 0, 0) == 0 and (
        found.value == signal.SIGKILL
    )


def _rlimits(limits: ProcessLimits) -> bool:
    memory = limits.memory_mb * 1024 * 1024
    wanted = {
        resource.RLIMIT_AS: (memory, memory),
        # SIGXCPU at the soft limit (the engine names it); SIGKILL only a second later
        resource.RLIMIT_CPU: (limits.cpu_seconds, limits.cpu_seconds + 1),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_FSIZE: (0, 0),
        resource.RLIMIT_NPROC: (0, 0),
        resource.RLIMIT_NOFILE: (0, 0),
    }
    for name, value in wanted.items():
        resource.setrlimit(name, value)
    return all(resource.getrlimit(name) == value for name, value in wanted.items())


def _seccomp(libc: ctypes.CDLL, parent: int) -> bool:
    """Install the filter, then check it: signalling the zygote (signal 0) must be refused."""
    prepared = seccomp.prepared()
    if prepared is None or not prepared.install(libc, os.getpid()):
        return False
    try:
        os.kill(parent, 0)
    except PermissionError:
        return True
    return False


def confine(
    limits: ProcessLimits,
    skip: frozenset[str] = frozenset(),
    before: Callable[[str], object] = lambda step: None,
) -> Report:
    """Apply every step but those in `skip` to this process; which took effect.

    `before(step)` is called before each step (the probe tells the zygote)."""
    libc, parent = _libc(), os.getppid()
    actions: Mapping[str, Callable[[], bool]] = {
        "parent_death_signal": lambda: _parent_death_signal(libc, parent),
        "rlimits": lambda: _rlimits(limits),
        "no_new_privs": lambda: seccomp.no_new_privileges(libc),
        "seccomp": lambda: report.get("no_new_privs", False) and _seccomp(libc, parent),
        "audit_hook": audit.install,
    }
    report: Report = {}
    for step in STEPS:
        if step in skip:
            report[step] = False
            continue
        before(step)
        try:
            report[step] = actions[step]()
        except (OSError, ValueError):
            report[step] = False
    return report


def missing(report: Mapping[str, bool], required: frozenset[str]) -> list[str]:
    """The required protections a report says did not take effect."""
    return sorted(name for name in required if not report.get(name, False))
