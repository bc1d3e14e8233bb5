"""Running a compiled script: fresh globals, a time limit, and errors that name the script's line."""

import types
from collections.abc import Mapping

from webhook_engine.sandbox.compiler import CompiledScript
from webhook_engine.sandbox.errors import ScriptError, ScriptTimeoutError
from webhook_engine.sandbox.guards import script_globals
from webhook_engine.sandbox.limits import Deadline

_MAX_DETAIL = 500


def run_script(script: CompiledScript, names: Mapping[str, object], timeout: float) -> object:
    """Run `script` with `names` as its globals and return its return value.

    Raises ScriptError for anything the script raises (SystemExit included), with the script's
    line, and ScriptTimeoutError when it runs longer than `timeout` seconds.
    """
    function = types.FunctionType(script.code, script_globals(names))
    deadline = Deadline(script.name, timeout)
    try:
        result = deadline.run(function)
    except BaseException as error:
        raise _script_error(script, error, deadline) from None
    if deadline.fired:  # the script caught its timeout and returned anyway
        raise ScriptTimeoutError(f"ScriptTimeoutError: script ran longer than {timeout:g} s")
    return result


def _script_error(script: CompiledScript, error: BaseException, deadline: Deadline) -> ScriptError:
    line = _script_line(script, error)
    where = f" (line {line})" if line else ""
    if deadline.fired:
        detail = f"script ran longer than {deadline.seconds:g} s"
        return ScriptTimeoutError(f"ScriptTimeoutError: {detail}{where}", line)
    error_type = type(error).__name__
    detail = str(error)[:_MAX_DETAIL]
    message = f"{error_type}: {detail}" if detail else error_type
    return ScriptError(f"{message}{where}", error_type=error_type, line=line)


def _script_line(script: CompiledScript, error: BaseException) -> int | None:
    """The innermost line of the script in the error's traceback."""
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == script.name:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
