"""What scripts may read: an allow-list of types, and the facades made for scripts.

A script reads `obj.name` only when `name` is an exact `str` not starting with `_`, and `obj` is
- an instance of a plain data type (str, bytes, numbers, containers, dict views, read-only
  mappings, datetime values),
  of a class an allowed module exposes (`re.Match`, `uuid.UUID`, `collections.deque`, ...) or of
  a type those modules' functions return (hash objects, `lru_cache` wrappers),
- one of those classes itself (`dict.fromkeys`, `datetime.datetime.now`),
- a named tuple class the script made with `collections.namedtuple`, or one of its instances,
- a `ScriptFacade`, which lists the attributes it offers (`log` offers five methods).

Types are matched exactly, not by subclass: an engine enum that is a `str` is not a `str` here.
Everything else (engine models, functions, bound methods, generators, modules) is refused, so a
public method on some object the engine happens to hold cannot become a route out.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import types
import weakref
from typing import ClassVar

_PLAIN_TYPES: frozenset[type] = frozenset(
    {
        str,
        bytes,
        int,
        float,
        complex,
        bool,
        type(None),
        list,
        tuple,
        dict,
        set,
        frozenset,
        range,
        slice,
        type({}.keys()),
        type({}.values()),
        type({}.items()),
        types.MappingProxyType,
        datetime.date,
        datetime.time,
        datetime.datetime,
        datetime.timedelta,
        datetime.timezone,
    }
)
# Types that allowed modules' functions return without exposing them as classes.
_RESULT_TYPES: frozenset[type] = frozenset(
    {
        type(hashlib.sha256()),
        type(hashlib.shake_128()),
        type(hmac.new(b"", digestmod="sha256")),
        type(functools.lru_cache(lambda: None)),
        type(functools.cmp_to_key(lambda a, b: 0)),
        type(functools.lru_cache(lambda: None).cache_info()),
        type(datetime.date(2026, 1, 1).isocalendar()),
    }
)
# Never readable, whatever the object: the inspection attributes of generators and frames,
# `mro`, and `format`/`format_map`, which read attributes named in the format string.
_REFUSED_NAMES = frozenset(
    {
        "format",
        "format_map",
        "mro",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "f_back",
        "f_builtins",
        "f_globals",
        "f_locals",
        "f_code",
        "tb_frame",
        "tb_next",
        "co_code",
    }
)
# Named tuple classes scripts made (`collections.namedtuple`), while they exist.
_SCRIPT_TYPES: weakref.WeakSet[type] = weakref.WeakSet()


class ScriptFacade:
    """An object made for scripts: they read exactly the attributes it lists."""

    __slots__ = ()
    script_attributes: ClassVar[frozenset[str]] = frozenset()

    def offers(self, name: str) -> bool:
        """Whether a script may read attribute `name`."""
        return name in self.script_attributes


def check_attribute(obj: object, name: str) -> None:
    """Raise AttributeError unless a script may read `obj.name` (TypeError: `name` not a str).

    Only an exact `str` is a name: a subclass chooses what its `startswith` and `==` answer,
    and would pass any rule, while `getattr` reads what it holds.
    """
    if type(name) is not str:
        raise TypeError("attribute names must be str")
    if name.startswith("_"):
        raise AttributeError(f'"{name}" is an invalid attribute name because it starts with "_"')
    if name in _REFUSED_NAMES:
        hint = "; use f-strings or %" if name.startswith("format") else ""
        raise AttributeError(f'"{name}" is not available to scripts{hint}')
    if isinstance(obj, ScriptFacade):
        if not obj.offers(name):
            raise AttributeError(f"{_kind(obj)} has no attribute {name!r} available to scripts")
        return
    if not readable(obj):
        raise AttributeError(f"scripts cannot read attributes of {_kind(obj)} objects")


def readable(obj: object) -> bool:
    """Whether scripts may read (public) attributes of `obj`: see the module's docstring."""
    kind = obj if isinstance(obj, type) else type(obj)  # a class: allowed classes only
    return kind in allowed_types() or kind in _SCRIPT_TYPES


def register_script_type(cls: type) -> type:
    """Let scripts read a class they made (and its instances) for as long as it exists."""
    _SCRIPT_TYPES.add(cls)
    return cls


@functools.cache
def allowed_types() -> frozenset[type]:
    """Plain data types, result types, builtin exceptions, and every class a module exposes."""
    from webhook_engine.sandbox.guards import BUILTINS
    from webhook_engine.sandbox.modules import ALLOWED_MODULES, module_proxy

    exposed = {
        member
        for module in ALLOWED_MODULES
        for member in module_proxy(module).members().values()
        if isinstance(member, type)
    }
    builtin_classes = {value for value in BUILTINS.values() if isinstance(value, type)}
    return _PLAIN_TYPES | _RESULT_TYPES | frozenset(exposed) | frozenset(builtin_classes)


def _kind(obj: object) -> str:
    if isinstance(obj, type):
        return f"class {obj.__name__!r}"
    return repr(type(obj).__name__)
