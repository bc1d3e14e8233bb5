"""The kernel wall of a script process: no new privileges, and a seccomp-BPF filter.

The filter refuses (EPERM, so Python raises PermissionError) the system calls through which
code that got past every wall inside the process could reach outside it: signals to any
process but itself, tracing or reading other processes, sockets, opening files, running
programs, new processes or threads, `prctl`, raising resource limits, mounts, namespaces, BPF,
keyrings, io_uring, and writes to the file system by name. A system call of another
architecture (the x32 ABI, a 32-bit entry) kills the process.

It is a deny-list over the process's own system calls: reading and writing its open pipe,
memory, time, timers and signals to itself stay allowed. Only x86_64 and aarch64 Linux are
known; elsewhere `prepared` has no filter to install.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import struct
from collections.abc import Iterator
from dataclasses import dataclass

_PR_SET_NO_NEW_PRIVS = 38
_PR_GET_NO_NEW_PRIVS = 39
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000
_X32_SYSCALL_BIT = 0x40000000
# BPF instructions (linux/filter.h): load a word at an absolute offset, jump if equal,
# jump if greater or equal, return.
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
# Offsets in struct seccomp_data: nr, arch, then six 64-bit arguments from 16.
_NR, _ARCH, _ARGS = 0, 4, 16


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _table(text: str) -> dict[str, int]:
    """`name number name number ...` (the kernel's table for an architecture) as a dict."""
    words = text.split()
    return {name: int(number) for name, number in zip(words[::2], words[1::2], strict=True)}


# Refused whatever their arguments (names as in the kernel's tables).
REFUSED = _words(
    # other processes: tracing, reading, signalling by other routes
    "ptrace process_vm_readv process_vm_writev kcmp pidfd_open pidfd_getfd pidfd_send_signal "
    "rt_sigqueueinfo rt_tgsigqueueinfo process_madvise "
    # network
    "socket socketpair connect bind listen accept accept4 "
    # files by name, and new descriptors of other kinds
    "open openat openat2 creat open_by_handle_at name_to_handle_at memfd_create "
    "inotify_init inotify_init1 fanotify_init userfaultfd perf_event_open bpf "
    "io_uring_setup io_uring_enter io_uring_register "
    # programs, processes, threads
    "execve execveat clone clone3 fork vfork "
    # the process's own limits and identity
    "prctl setrlimit seccomp personality setuid setgid setreuid setregid setresuid setresgid "
    "setgroups setpgid setsid unshare setns sched_setaffinity ioprio_set "
    # the file system
    "mknod mknodat unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir symlink "
    "symlinkat link linkat chmod fchmod fchmodat chown fchown lchown fchownat truncate "
    "ftruncate setxattr lsetxattr fsetxattr removexattr lremovexattr fremovexattr "
    "mount umount2 pivot_root chroot move_mount fsopen fsmount open_tree mount_setattr "
    "quotactl swapon swapoff acct "
    # the machine
    "reboot sethostname setdomainname settimeofday clock_settime adjtimex clock_adjtime "
    "kexec_load init_module finit_module delete_module keyctl add_key request_key iopl ioperm "
    "landlock_create_ruleset"
)
# Allowed only towards the process itself (its first argument is its pid).
SELF_ONLY = ("kill", "tkill", "tgkill")


@dataclass(frozen=True)
class _Arch:
    audit: int  # AUDIT_ARCH_* of seccomp_data.arch
    numbers: dict[str, int]
    x32_bit: bool  # whether numbers with the x32 bit are another ABI to refuse


_X86_64 = _Arch(
    0xC000003E,
    _table(
        "open 2 socket 41 connect 42 accept 43 bind 49 listen 50 socketpair 53 clone 56 fork 57 "
        "vfork 58 execve 59 kill 62 truncate 76 ftruncate 77 rename 82 mkdir 83 rmdir 84 "
        "creat 85 link 86 unlink 87 symlink 88 chmod 90 fchmod 91 chown 92 fchown 93 lchown 94 "
        "ptrace 101 setuid 105 setgid 106 setpgid 109 setsid 112 setreuid 113 setregid 114 "
        "setgroups 116 setresuid 117 setresgid 119 rt_sigqueueinfo 129 mknod 133 personality 135 "
        "pivot_root 155 prctl 157 adjtimex 159 setrlimit 160 chroot 161 acct 163 "
        "settimeofday 164 mount 165 umount2 166 swapon 167 swapoff 168 reboot 169 "
        "sethostname 170 setdomainname 171 iopl 172 ioperm 173 init_module 175 delete_module 176 "
        "quotactl 179 setxattr 188 lsetxattr 189 fsetxattr 190 removexattr 197 lremovexattr 198 "
        "fremovexattr 199 tkill 200 sched_setaffinity 203 clock_settime 227 tgkill 234 "
        "kexec_load 246 add_key 248 request_key 249 keyctl 250 ioprio_set 251 inotify_init 253 "
        "openat 257 mkdirat 258 mknodat 259 fchownat 260 unlinkat 263 renameat 264 linkat 265 "
        "symlinkat 266 fchmodat 268 unshare 272 accept4 288 inotify_init1 294 "
        "rt_tgsigqueueinfo 297 perf_event_open 298 fanotify_init 300 prlimit64 302 "
        "name_to_handle_at 303 open_by_handle_at 304 clock_adjtime 305 setns 308 "
        "process_vm_readv 310 process_vm_writev 311 kcmp 312 finit_module 313 renameat2 316 "
        "seccomp 317 memfd_create 319 bpf 321 execveat 322 userfaultfd 323 pidfd_send_signal 424 "
        "io_uring_setup 425 io_uring_enter 426 io_uring_register 427 open_tree 428 "
        "move_mount 429 fsopen 430 fsmount 432 pidfd_open 434 clone3 435 openat2 437 "
        "pidfd_getfd 438 process_madvise 440 mount_setattr 442 landlock_create_ruleset 444"
    ),
    x32_bit=True,
)
_AARCH64 = _Arch(
    0xC00000B7,
    _table(
        "setxattr 5 lsetxattr 6 fsetxattr 7 removexattr 14 lremovexattr 15 fremovexattr 16 "
        "inotify_init1 26 ioprio_set 30 mknodat 33 mkdirat 34 unlinkat 35 symlinkat 36 linkat 37 "
        "renameat 38 umount2 39 mount 40 pivot_root 41 truncate 45 ftruncate 46 chroot 51 "
        "fchmod 52 fchmodat 53 fchownat 54 fchown 55 openat 56 quotactl 60 acct 89 "
        "personality 92 unshare 97 kexec_load 104 init_module 105 delete_module 106 "
        "clock_settime 112 ptrace 117 sched_setaffinity 122 kill 129 tkill 130 tgkill 131 "
        "rt_sigqueueinfo 138 reboot 142 setregid 143 setgid 144 setreuid 145 setuid 146 "
        "setresuid 147 setresgid 149 setpgid 154 setsid 157 setgroups 159 sethostname 161 "
        "setdomainname 162 setrlimit 164 prctl 167 settimeofday 170 adjtimex 171 socket 198 "
        "socketpair 199 bind 200 listen 201 accept 202 connect 203 add_key 217 request_key 218 "
        "keyctl 219 clone 220 execve 221 swapon 224 swapoff 225 rt_tgsigqueueinfo 240 "
        "perf_event_open 241 accept4 242 prlimit64 261 fanotify_init 262 name_to_handle_at 264 "
        "open_by_handle_at 265 clock_adjtime 266 setns 268 process_vm_readv 270 "
        "process_vm_writev 271 kcmp 272 finit_module 273 renameat2 276 seccomp 277 "
        "memfd_create 279 bpf 280 execveat 281 userfaultfd 282 pidfd_send_signal 424 "
        "io_uring_setup 425 io_uring_enter 426 io_uring_register 427 open_tree 428 "
        "move_mount 429 fsopen 430 fsmount 432 pidfd_open 434 clone3 435 openat2 437 "
        "pidfd_getfd 438 process_madvise 440 mount_setattr 442 landlock_create_ruleset 444"
    ),
    x32_bit=False,
)
ARCHITECTURES = {"x86_64": _X86_64, "aarch64": _AARCH64}


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, true: int, false: int) -> bytes:
    return struct.pack("HBBI", code, true, false, k)


def _refusal(errno: int) -> int:
    return _RET_ERRNO | (errno & 0xFFFF)


def program(arch: _Arch, pid: int, errno: int = 1) -> bytes:
    """The filter, as BPF instructions, for a process whose pid is `pid`."""
    refuse = _refusal(errno)
    head = [
        _stmt(_LD_W_ABS, _ARCH),
        _jump(_JEQ_K, arch.audit, 1, 0),
        _stmt(_RET_K, _RET_KILL_PROCESS),
        _stmt(_LD_W_ABS, _NR),
    ]
    if arch.x32_bit:
        head += [_jump(_JGE_K, _X32_SYSCALL_BIT, 0, 1), _stmt(_RET_K, _RET_KILL_PROCESS)]
    body = [*_refused(arch, refuse), *_self_only(arch, pid, refuse), *_limits(arch, refuse)]
    return b"".join([*head, *body, _stmt(_RET_K, _RET_ALLOW)])


def _refused(arch: _Arch, refuse: int) -> Iterator[bytes]:
    for name in REFUSED:
        if name in arch.numbers:
            yield _jump(_JEQ_K, arch.numbers[name], 0, 1)
            yield _stmt(_RET_K, refuse)


def _self_only(arch: _Arch, pid: int, refuse: int) -> Iterator[bytes]:
    """kill/tkill/tgkill(pid, ...): allowed when the first argument is this process's pid."""
    for name in SELF_ONLY:
        yield _jump(_JEQ_K, arch.numbers[name], 0, 6)
        yield _stmt(_LD_W_ABS, _ARGS)  # low half of the first argument
        yield _jump(_JEQ_K, pid, 0, 2)
        yield _stmt(_LD_W_ABS, _ARGS + 4)  # its high half
        yield _jump(_JEQ_K, 0, 1, 0)
        yield _stmt(_RET_K, refuse)
        yield _stmt(_RET_K, _RET_ALLOW)


def _limits(arch: _Arch, refuse: int) -> Iterator[bytes]:
    """prlimit64 may read limits (its third argument, the new limit, is NULL), not set them."""
    third = _ARGS + 2 * 8
    yield _jump(_JEQ_K, arch.numbers["prlimit64"], 0, 6)
    yield _stmt(_LD_W_ABS, third)
    yield _jump(_JEQ_K, 0, 0, 2)
    yield _stmt(_LD_W_ABS, third + 4)
    yield _jump(_JEQ_K, 0, 1, 0)
    yield _stmt(_RET_K, refuse)
    yield _stmt(_RET_K, _RET_ALLOW)


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def no_new_privileges(libc: ctypes.CDLL) -> bool:
    """PR_SET_NO_NEW_PRIVS: nothing this process runs can gain privileges (setuid files)."""
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(libc.prctl(_PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)


class Filter:
    """The filter for one architecture, built once (in the zygote, before it forks) with room
    for the pid: a script process writes its own in and installs it, doing little work of its
    own (every page it touches is a copy)."""

    _PID = 0xFFFFFFFF  # a mark no system call number or argument constant in the filter uses

    def __init__(self, arch: _Arch) -> None:
        code = program(arch, self._PID)
        self._buffer = ctypes.create_string_buffer(code, len(code))
        self._program = _SockFprog(len(code) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._pid_at = [
            offset + 4
            for offset in range(0, len(code), 8)
            if struct.unpack_from("I", code, offset + 4)[0] == self._PID
        ]

    def install(self, libc: ctypes.CDLL, pid: int) -> bool:
        """Install the filter on this process, whose pid is `pid` (after
        `no_new_privileges`); False when the kernel refused it."""
        for offset in self._pid_at:
            struct.pack_into("I", self._buffer, offset, pid)
        result = libc.prctl(
            _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(self._program), 0, 0
        )
        return bool(result == 0)


@functools.cache
def prepared(machine: str | None = None) -> Filter | None:
    """The filter for this machine (x86_64 or aarch64); None on another architecture."""
    arch = ARCHITECTURES.get(machine or platform.machine())
    return None if arch is None else Filter(arch)
