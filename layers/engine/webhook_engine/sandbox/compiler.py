"""Compiling scripts (function bodies) with RestrictedPython, cached per process."""

import ast
import functools
import hashlib
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from RestrictedPython.compile import CompileResult, compile_restricted_function
from RestrictedPython.transformer import RestrictingNodeTransformer

from webhook_engine.sandbox.errors import ScriptCompileError

_FUNCTION_NAME = "script"
COMPILE_CACHE = 512  # scripts kept compiled per process
_ERROR_LINE = re.compile(r"^Line (\d+): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class CompiledScript:
    """A compiled script: `code` is the function whose body is the script."""

    name: str  # shown as the file name in tracebacks, e.g. "function:GitHub - git/push"
    source_hash: str  # sha256 hex of the source
    code: types.CodeType
    names: frozenset[str]  # every name its code (and nested code) refers to


class _ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, also refusing what could outlive or out-catch the time limit.

    Classes (scripts have no use for them), generators (a `finally:` in one runs whenever it is
    garbage collected, long after its script) and bare `except:` (it would catch the timeout).
    """

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed in scripts")
        return node

    def visit_Yield(self, node: ast.Yield) -> ast.AST:
        self.error(node, '"yield" is not allowed in scripts')
        return node

    def visit_YieldFrom(self, node: ast.YieldFrom) -> ast.AST:
        self.error(node, '"yield from" is not allowed in scripts')
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST | Iterable[ast.AST] | None:
        if node.type is None:
            self.error(node, 'a bare "except:" is not allowed; use "except Exception:"')
        return super().visit_ExceptHandler(node)


def compile_script(source: str, name: str) -> CompiledScript:
    """Compile a script (the body of a function; `return` allowed).

    Cached by (hash of source, name): a warm container never compiles the same script twice.
    Raises ScriptCompileError naming the line on syntax errors and refused constructs.
    """
    source_hash = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    return _compile(source_hash, name, source)


@functools.lru_cache(maxsize=COMPILE_CACHE)
def _compile(source_hash: str, name: str, source: str) -> CompiledScript:
    try:
        result = _compile_restricted(source, name)
    except SyntaxError as error:  # from the parser, or Python's compiler (`break` outside a loop)
        raise _compile_error(error.lineno, error.msg) from None
    except (RecursionError, MemoryError):  # the parser gives up on deeply nested code
        raise ScriptCompileError("the script is nested too deeply to compile") from None
    if result.errors:
        raise _restricted_error(result.errors)
    assert result.code is not None  # no errors means code
    code = _function_code(result.code)
    return CompiledScript(name=name, source_hash=source_hash, code=code, names=_names(code))


def _compile_restricted(source: str, name: str) -> CompileResult:
    body = ast.parse(source)
    body.body = body.body or [ast.Pass()]  # an empty script returns None
    return compile_restricted_function(
        "", body, _FUNCTION_NAME, filename=name, policy=_ScriptPolicy
    )


def _function_code(module_code: types.CodeType) -> types.CodeType:
    """The code of the function `compile_restricted_function` defines in its module."""
    return next(
        const
        for const in module_code.co_consts
        if isinstance(const, types.CodeType) and const.co_name == _FUNCTION_NAME
    )


def _names(code: types.CodeType) -> frozenset[str]:
    """Global and attribute names of `code` and the functions and lambdas it defines."""
    nested = (const for const in code.co_consts if isinstance(const, types.CodeType))
    return frozenset(code.co_names).union(*(_names(inner) for inner in nested))


def _restricted_error(errors: Sequence[str]) -> ScriptCompileError:
    """RestrictedPython reports "Line 3: <reason>" per refusal; the first one names the line."""
    first = _ERROR_LINE.match(errors[0])
    message = "; ".join(_ERROR_LINE.sub(r"line \1: \2", error) for error in errors)
    return ScriptCompileError(message, int(first.group(1)) if first else None)


def _compile_error(line: int | None, reason: str) -> ScriptCompileError:
    return ScriptCompileError(f"line {line}: {reason}" if line else reason, line)
