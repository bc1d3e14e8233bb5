"""Running a compiled script: fresh globals, a time limit, and errors that name the script's line."""

import types
from collections.abc import Callable, Mapping

from webhook_engine.domain.clipping import clip
from webhook_engine.sandbox.compiler import CompiledScript
from webhook_engine.sandbox.errors import ScriptError, ScriptTimeoutError
from webhook_engine.sandbox.guards import script_globals
from webhook_engine.sandbox.time_limit import Deadline, seconds_text

_MAX_DETAIL = 500


def run_script(
    script: CompiledScript,
    names: Mapping[str, object],
    timeout: float,
    print_sink: Callable[[str], object] | None = None,
) -> object:
    """Run `script` with `names` as its globals and return its return value.

    Each line the script prints goes to `print_sink`. Raises ScriptError for anything the
    script raises, with the script's line, and ScriptTimeoutError when it runs longer than
    `timeout` seconds.
    """
    function = types.FunctionType(script.code, script_globals(names, print_sink))
    deadline = Deadline(script.name, timeout)
    try:
        result = deadline.run(function)
    except BaseException as error:  # the script's own errors, or its Timeout
        line = _script_line(script, error)
        if deadline.fired:
            raise _timeout_error(deadline, line) from None
        detail = clip(str(error), _MAX_DETAIL, _props(names))
        message = _message(type(error).__name__, detail, line)
        raise ScriptError(message, error_type=type(error).__name__, line=line) from None
    if deadline.fired:  # stopped, yet returned (`return` in a `finally:` block)
        raise _timeout_error(deadline, None)
    return result


def _props(names: Mapping[str, object]) -> tuple[str, ...]:
    """The run's prop values, which a cut of its error text never splits (`clip`)."""
    props = names.get("props")
    return tuple(str(value) for value in props.values()) if isinstance(props, Mapping) else ()


def _timeout_error(deadline: Deadline, line: int | None) -> ScriptTimeoutError:
    detail = f"script ran longer than {seconds_text(deadline.seconds)} s"
    return ScriptTimeoutError(_message("ScriptTimeoutError", detail, line), line)


def _message(error_type: str, detail: str, line: int | None) -> str:
    """E.g. "KeyError: 'ref' (line 4)"."""
    message = f"{error_type}: {detail}" if detail else error_type
    return f"{message} (line {line})" if line else message


def _script_line(script: CompiledScript, error: BaseException) -> int | None:
    """The innermost line of the script in the error's traceback."""
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == script.name:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
