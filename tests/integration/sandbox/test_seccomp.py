"""The kernel wall's filter: its system call numbers are the kernel's, and a process that
installed it can still run (its pipe, memory, time, signals to itself) but reaches nothing
else."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from webhook_engine.sandbox import seccomp

HEADERS = {
    "x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    "aarch64": Path("/usr/include/asm-generic/unistd.h"),
}


def kernel_table(header: Path) -> dict[str, int]:
    """`#define __NR_name number` lines, following `__NR3264_` aliases."""
    text = header.read_text()
    defined = dict(re.findall(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", text))
    aliases = dict(re.findall(r"#define __NR_(\w+)\s+__NR3264_(\w+)", text))
    table = {name: int(number) for name, number in defined.items()}
    table |= {name: table[target] for name, target in aliases.items() if target in table}
    return table


@pytest.mark.parametrize("arch", list(seccomp.ARCHITECTURES))
def test_the_filters_numbers_are_the_kernels(arch):
    # Given the kernel's own table of system calls for the architecture (Linux headers)
    if not HEADERS[arch].exists():
        pytest.skip(f"{HEADERS[arch]} not installed (linux-libc-dev)")
    kernel = kernel_table(HEADERS[arch])
    known = seccomp.ARCHITECTURES[arch].numbers
    # When each refused name is looked up in both
    # Then every number the filter uses is the kernel's, and it knows every refused system
    # call the architecture has
    assert {name: kernel[name] for name in known} == known
    wanted = set(seccomp.REFUSED) | set(seccomp.SELF_ONLY) | {"prlimit64"}
    assert {name for name in wanted if name in kernel} <= set(known)


PROBE = """
import ctypes, errno, json, os, resource, signal, socket
from webhook_engine.sandbox import seccomp
actions = {
    "signal itself": lambda: os.kill(os.getpid(), 0),
    "signal its parent": lambda: os.kill(os.getppid(), 0),
    "read a limit": lambda: resource.getrlimit(resource.RLIMIT_NOFILE),
    "lower a limit": lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)),
    "open a file": lambda: os.open("/etc/hostname", os.O_RDONLY),
    "open a socket": lambda: socket.socket(socket.AF_UNIX),
    "fork": lambda: os.fork() or 0,
    "change its name": lambda: ctypes.CDLL(None).prctl(15, b"x", 0, 0, 0) == 0 or 1 / 0,
    "allocate memory": lambda: bytearray(10_000_000),
    "set a timer": lambda: signal.setitimer(signal.ITIMER_REAL, 0),
}
libc = ctypes.CDLL(None, use_errno=True)
results = {"installed": seccomp.no_new_privileges(libc) and seccomp.prepared().install(libc, os.getpid())}
for name, action in actions.items():
    try:
        action()
        results[name] = "allowed"
    except OSError as error:
        results[name] = errno.errorcode.get(error.errno or 0, "?")
    except Exception as error:
        results[name] = type(error).__name__
print(json.dumps(results))
"""


def test_a_filtered_process_keeps_its_own_life_and_reaches_nothing_else():
    # Given a process that installs the filter, then tries each action
    if os.uname().machine not in seccomp.ARCHITECTURES:
        pytest.skip("the filter knows x86_64 and aarch64")
    # When it reports what it could do
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    results = json.loads(done.stdout)
    # Then it runs on, and reaches nothing outside itself (EPERM from the filter)
    assert results == {
        "installed": True,
        "signal itself": "allowed",
        "signal its parent": "EPERM",
        "read a limit": "allowed",
        "lower a limit": "ValueError",  # setrlimit is refused; Python reports EPERM so
        "open a file": "EPERM",
        "open a socket": "EPERM",
        "fork": "EPERM",
        "change its name": "ZeroDivisionError",  # prctl refused
        "allocate memory": "allowed",
        "set a timer": "allowed",
    }
