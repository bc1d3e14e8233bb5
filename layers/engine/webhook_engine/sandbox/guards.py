"""The globals a script runs with: restricted builtins and the guards RestrictedPython calls.

RestrictedPython rewrites `a.b` into `_getattr_(a, "b")`, `a[b] = c` into `_write_(a)[b] = c`,
`for x in y` into `for x in _getiter_(y)`, `print(...)` into `_print._call_print(...)`, and so on;
this module supplies those functions. Reads go through the allow-list of `allowed`; what a
script must not change (module proxies, the facades it is given) refuses changes itself, and
`_write_` only lets writes through to plain containers.
"""

import collections
import operator
from collections.abc import Callable, Mapping

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from webhook_engine.sandbox.allowed import check_attribute
from webhook_engine.sandbox.modules import guarded_import
from webhook_engine.sandbox.script_builtins import PLAIN_BUILTINS

# Writes are allowed into plain containers only (exact types: a read-only mapping built on
# dict stays read-only); scripts own every such container except those they are given.
_WRITABLE_TYPES = frozenset(
    {
        dict,
        list,
        collections.Counter,
        collections.OrderedDict,
        collections.defaultdict,
        collections.deque,
    }
)
_MISSING = object()


def guarded_getattr(obj: object, name: str, default: object = _MISSING) -> object:
    """`getattr` for scripts: only what the allow-list grants (a refusal ignores `default`).

    `check_attribute` takes `name` only as an exact `str`, so `getattr` reads what was checked.
    """
    check_attribute(obj, name)
    if default is _MISSING:
        return getattr(obj, name)
    return getattr(obj, name, default)


def guarded_write(obj: object) -> object:
    """`_write_`: the object a script assigns into (`obj[k] = v`, `obj.a = v`, `del obj[k]`)."""
    if type(obj) in _WRITABLE_TYPES:
        return obj
    raise TypeError(f"scripts cannot modify {type(obj).__name__} objects")


_INPLACE_OPERATORS: dict[str, Callable[[object, object], object]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "@=": operator.imatmul,
}


def inplace_var(op: str, target: object, value: object) -> object:
    """`_inplacevar_`: `x += y` on a name."""
    return _INPLACE_OPERATORS[op](target, value)


def apply(function: Callable[..., object], *args: object, **kwargs: object) -> object:
    """`_apply_`: calls written with `*args` or `**kwargs`."""
    return function(*args, **kwargs)


class Printer:
    """`_print`: what `print(...)` writes to; each line also goes to `sink` when there is one."""

    def __init__(self, sink: Callable[[str], object] | None) -> None:
        self._sink = sink
        self._text: list[str] = []

    def _call_print(
        self, *objects: object, sep: str | None = " ", end: str | None = "\n", **_ignored: object
    ) -> None:
        line = (" " if sep is None else sep).join(str(obj) for obj in objects)
        self._text.append(line + ("\n" if end is None else end))
        if self._sink is not None:
            self._sink(line)

    def __call__(self) -> str:
        """The value of the name `printed`: everything printed so far."""
        return "".join(self._text)


BUILTINS: dict[str, object] = {
    **PLAIN_BUILTINS,
    "getattr": guarded_getattr,
    "__import__": guarded_import,
}

_GUARDS: dict[str, object] = {
    "__builtins__": BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": guarded_write,
    "_inplacevar_": inplace_var,
    "_apply_": apply,
}


def script_globals(
    names: Mapping[str, object], print_sink: Callable[[str], object] | None = None
) -> dict[str, object]:
    """Fresh globals for one run: `names`, then the guards (which `names` cannot replace).

    `print(...)` in a script hands each printed line to `print_sink` when given, and is
    otherwise only collected (readable by the script as `printed`).
    """
    return {**names, **_GUARDS, "_print_": lambda _getattr: Printer(print_sink)}
