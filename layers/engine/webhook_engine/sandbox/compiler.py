"""Compiling scripts (function bodies) with RestrictedPython, cached per process."""

import ast
import functools
import hashlib
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass

from RestrictedPython.compile import compile_restricted_function
from RestrictedPython.transformer import RestrictingNodeTransformer

from webhook_engine.sandbox.errors import ScriptCompileError

_FUNCTION_NAME = "script"
_ERROR_LINE = re.compile(r"^Line (\d+): (.*)$", re.DOTALL)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class CompiledScript:
    """A compiled script: `code` is the function whose body is the script."""

    name: str  # shown as the file name in tracebacks, e.g. "function:GitHub - git/push"
    source_hash: str  # sha256 hex of the source
    code: types.CodeType


class _ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, refusing class definitions too (scripts have no use for them)."""

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed in scripts")
        return node


def compile_script(source: str, name: str) -> CompiledScript:
    """Compile a script (the body of a function; `return` allowed).

    Cached by (hash of source, name): a warm container never compiles the same script twice.
    Raises ScriptCompileError naming the line on syntax errors and refused constructs.
    """
    source_hash = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    return _compile(source_hash, name, source)


@functools.lru_cache(maxsize=512)
def _compile(source_hash: str, name: str, source: str) -> CompiledScript:
    try:
        body = ast.parse(source)
    except SyntaxError as error:
        raise _compile_error(error.lineno, error.msg) from None
    body.body = body.body or [ast.Pass()]
    if (line := _top_level_yield(body.body)) is not None:
        raise _compile_error(line, '"yield" is not allowed at the top level of a script')
    try:
        result = compile_restricted_function(
            "", body, _FUNCTION_NAME, filename=name, policy=_ScriptPolicy
        )
    except SyntaxError as error:  # raised by Python's compiler, e.g. `break` outside a loop
        raise _compile_error(error.lineno, error.msg) from None
    if result.errors:
        raise _restricted_error(result.errors)
    assert result.code is not None  # no errors means code
    return CompiledScript(name=name, source_hash=source_hash, code=_function_code(result.code))


def _top_level_yield(statements: list[ast.stmt]) -> int | None:
    """Line of a `yield` that would turn the script itself into a generator, if any."""
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return node.lineno
        if not isinstance(node, _SCOPES):
            pending.extend(ast.iter_child_nodes(node))
    return None


def _function_code(module_code: types.CodeType) -> types.CodeType:
    """The code of the function `compile_restricted_function` defines in its module."""
    return next(
        const
        for const in module_code.co_consts
        if isinstance(const, types.CodeType) and const.co_name == _FUNCTION_NAME
    )


def _restricted_error(errors: Sequence[str]) -> ScriptCompileError:
    """RestrictedPython reports "Line 3: <reason>" per refusal; the first one names the line."""
    first = _ERROR_LINE.match(errors[0])
    message = "; ".join(_ERROR_LINE.sub(r"line \1: \2", error) for error in errors)
    return ScriptCompileError(message, int(first.group(1)) if first else None)


def _compile_error(line: int | None, reason: str) -> ScriptCompileError:
    return ScriptCompileError(f"line {line}: {reason}" if line else reason, line)
