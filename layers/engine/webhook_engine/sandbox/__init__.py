"""The script sandbox: RestrictedPython compilation, restricted globals, time limits.

    script = compile_script("return payload['ref'] == 'refs/heads/main'", "provider:GitHub")
    matched = run_script(script, {"payload": payload}, timeout=1.0)

Scripts are function bodies. They see the names they are given plus harmless builtins, import
only allow-listed modules (as read-only proxies), cannot touch attributes starting with `_` or
frame, code and traceback internals, and can only write into their own dicts and lists.
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
