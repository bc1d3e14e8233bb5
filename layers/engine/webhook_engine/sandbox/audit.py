"""The in-process wall of a script process: an audit hook (PEP 578) that needs no kernel feature.

Installed in each script process before its first script and never removed (Python cannot
remove an audit hook), it refuses every audited event but the few a running script and its
worker raise: compiling a script and making its function, sleeping, the time limit's trace
hook, `id()`, and reading a traceback's frame and a frame's code. Everything else (opening files,
imports of modules not already loaded, `os.*` including signals and processes, sockets,
`ctypes`, `subprocess`, new code objects, frame and garbage-collector introspection, changing a
function's code or defaults, adding another hook) raises PermissionError before it happens.

An allow-list, so an event Python adds later is refused until someone decides otherwise. The
hook keeps its state in default values of immutable types: code that got past the language
wall cannot change what it allows without setting `__defaults__` or `__code__`, which are
audited events the hook refuses.
"""

from __future__ import annotations

import sys

ALLOWED_EVENTS = frozenset(
    {
        "compile",  # the worker compiles each script (RestrictedPython) before its run
        "function.__new__",  # each run makes the script's function with fresh globals
        "time.sleep",
        "sys.settrace",  # the time limit resets the trace hook after each run
        "builtins.id",
    }
)
# `object.__getattr__` names the worker reads: a traceback's frame and a frame's code, to name
# the script's line in an error and to tell whether the time limit fired inside the script.
ALLOWED_ATTRIBUTES = frozenset({"tb_frame", "f_code"})


class AuditRefusal(PermissionError):
    """An audited event the script process may not raise."""


def _refuse_unlisted(
    event: str,
    args: tuple[object, ...],
    _allowed: frozenset[str] = ALLOWED_EVENTS,
    _attributes: frozenset[str] = ALLOWED_ATTRIBUTES,
    _refusal: type[Exception] = AuditRefusal,
) -> None:
    if event in _allowed:
        return
    if event == "object.__getattr__" and args[1] in _attributes:
        return
    raise _refusal(f"{event} is not available to scripts")


def install() -> bool:
    """Install the hook on this process; True when it then refuses an unlisted event."""
    sys.addaudithook(_refuse_unlisted)
    try:
        sys.audit("webhooks.sandbox.self_test")
    except AuditRefusal:
        return True
    return False
