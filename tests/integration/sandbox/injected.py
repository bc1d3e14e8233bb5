"""Behaviour put into real script processes by tests: the zygote's command with test code run
first in the zygote, before it forks (production has no switch for this: the command is the
sandbox's constructor argument, which only tests set).

`UNRESTRICTED` makes each run execute its source as plain Python with the real builtins, after
the process was confined exactly as in production: what code that got past the language wall
could do. Its return value comes back as the result's summary (JSON), an exception as the
error."""

from __future__ import annotations

from webhook_engine.sandbox.confinement import ProcessLimits
from webhook_engine.sandbox.supervisor import zygote_command

# Put first in the zygote: `replace_run(run)` gives runs another behaviour, but not the spare's
# warm-up (a canned run the worker makes itself before it says it is ready).
PRELUDE = """
from webhook_engine.sandbox import worker as _worker
_real_run = _worker.Worker.run

def replace_run(run):
    def chosen(self, frame):
        return (_real_run if frame["name"] == "match:warm" else run)(self, frame)
    _worker.Worker.run = chosen
"""

UNRESTRICTED = """
import builtins, json, types

def run(self, frame):
    lines = frame["source"].splitlines() or ["pass"]
    source = "def attack():\\n" + "".join("    " + line + "\\n" for line in lines)
    result = {"type": "result", "id": frame["id"], "ok": True, "truthy": False, "logs": []}
    try:
        code = compile(source, "<attack>", "exec")
        body = next(c for c in code.co_consts if isinstance(c, types.CodeType))
        attack = types.FunctionType(body, {"__builtins__": builtins, "worker": self})
        result["summary"] = json.dumps(attack(), default=repr)[:500]
    except BaseException as error:
        message = f"{type(error).__name__}: {error}"[:1000]
        result |= {"ok": False, "error": {"type": "Attack", "message": message, "line": None}}
    return result

replace_run(run)
"""


def zygote_with(patch: str, limits: ProcessLimits | None = None, prefix: str = "") -> list[str]:
    """The zygote's command, running `prefix` then `patch` in the zygote before its main."""
    limits = limits or ProcessLimits()
    command = zygote_command(limits)
    code = f"import sys\n{prefix}\n{PRELUDE}\n{patch}\nfrom webhook_engine.sandbox import zygote\n"
    code += "sys.exit(zygote.main(sys.argv[1:]))"
    return [*command[: command.index("-m")], "-c", code, limits.to_json()]
