"""The script sandbox: three walls between a script and the engine's credentials.

    with default_sandbox().process() as process:  # one provider's scripts, one message
        outcome = process.run(request, ScriptRun(source, "provider:GitHub", "match", props, 2.0))

1. The language (`compiler`, `guards`, `script_builtins`, `allowed`, `facade`, `members`,
   `modules`, `names`, `verify`): RestrictedPython, an attribute allow-list, names taken only as
   exact `str`, read-only module proxies of allow-listed members (none of which makes a class),
   and facades instead of engine objects (the actions' are in `actions/facades.py`).
2. The process (`zygote`, `confinement`, `audit`, `seccomp`, `worker`, `supervisor`, `frames`,
   `protocol`): each provider's scripts for one message run in a fresh process forked from a
   clean zygote (no credential, never runs a script), confined before it reads anything
   (resource limits, an audit hook, no new privileges and a seccomp filter where the kernel
   allows), fed and answered over a JSON channel, and killed from outside when they overrun.
3. What comes back is validated, and the pipeline replaces known secret values by `***`.

`compile_script` and `run_script` are the in-process core a script process uses; the engine
compiles with them when a script is saved, and runs scripts only through the supervisor.
"""

from webhook_engine.sandbox.compiler import CompiledScript, compile_script
from webhook_engine.sandbox.errors import ScriptCompileError, ScriptError, ScriptTimeoutError
from webhook_engine.sandbox.runner import run_script

__all__ = [
    "CompiledScript",
    "ScriptCompileError",
    "ScriptError",
    "ScriptTimeoutError",
    "compile_script",
    "run_script",
]
