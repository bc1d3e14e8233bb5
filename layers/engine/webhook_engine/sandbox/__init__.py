"""The script sandbox: three walls between a script and the engine's credentials.

    worker = default_supervisors().of(provider.id)  # a script worker per provider
    outcome = worker.run(request, ScriptRun(source, "provider:GitHub", "match", props, 2.0))

1. The language (`compiler`, `guards`, `allowed`, `members`, `modules`, `names`):
   RestrictedPython, an attribute allow-list, names taken only as exact `str`, read-only module
   proxies of allow-listed members (none of which makes a class), and facades instead of engine
   objects.
2. The process (`worker`, `supervisor`, `protocol`): scripts run in a separate worker process
   without credentials or environment, limited by setrlimit, fed and answered over a JSON pipe,
   killed and replaced from outside when they overrun or crash.
3. What comes back is validated, and the pipeline replaces known secret values by `***`.

`compile_script` and `run_script` are the in-process core the worker uses; the engine compiles
with them when a script is saved, and runs scripts only through the supervisor.
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
