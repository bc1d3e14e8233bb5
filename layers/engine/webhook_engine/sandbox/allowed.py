"""What scripts may read: an allow-list of types, and what each facade made for scripts offers.

A script reads `obj.name` only when `name` is an exact `str` not starting with `_`, and `obj` is
- an instance of a plain data type (str, bytes, numbers, containers, dict views, read-only
  mappings, datetime values), of a class an allowed module exposes (`re.Match`,
  `collections.deque`, ...) or of a type those modules' functions return (hash objects,
  `uuid.UUID`, `collections.Counter`, the results of `urllib.parse.urlparse`),
- one of the classes scripts are given (`dict.fromkeys`, `datetime.datetime.now`), never a class
  whose instances only come back from functions,
- a `ScriptFacade`, which lists the attributes it offers (`log` offers five methods).

Types are matched exactly, not by subclass: an engine enum that is a `str` is not a `str` here.
Everything else (engine models, functions, bound methods, generators, modules) is refused, so a
public method on some object the engine happens to hold cannot become a route out.
"""

from __future__ import annotations

import _hashlib
import collections
import datetime
import functools
import hashlib
import re
import types
import urllib.parse
import uuid

from webhook_engine.sandbox.facade import ScriptFacade, kind
from webhook_engine.sandbox.modules import ALLOWED_MODULES, module_proxy
from webhook_engine.sandbox.script_builtins import PLAIN_BUILTINS

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
# Types that allowed modules' functions return without exposing them as classes: scripts read
# their instances, never the classes.
RESULT_TYPES: frozenset[type] = frozenset(
    {
        type(hashlib.sha256()),
        type(hashlib.shake_128()),
        type(_hashlib.hmac_new(b"", digestmod="sha256")),
        type(functools.cmp_to_key(lambda a, b: 0)),
        type(re.compile("").scanner("")),  # type: ignore[attr-defined]  # not in typeshed
        type(collections.OrderedDict().keys()),
        type(collections.OrderedDict().values()),
        type(collections.OrderedDict().items()),
        type(datetime.date(2026, 1, 1).isocalendar()),
        uuid.UUID,
        uuid.SafeUUID,  # what UUID.is_safe holds
        collections.Counter,
        urllib.parse.ParseResult,
        urllib.parse.SplitResult,
        urllib.parse.DefragResult,
        urllib.parse.ParseResultBytes,
        urllib.parse.SplitResultBytes,
        urllib.parse.DefragResultBytes,
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
            raise AttributeError(obj.refusal(name))
        return
    if not readable(obj):
        raise AttributeError(f"scripts cannot read attributes of {kind(obj)} objects")


def readable(obj: object) -> bool:
    """Whether scripts may read (public) attributes of `obj`: see the module's docstring."""
    if isinstance(obj, type):
        return obj in given_classes()
    return type(obj) in given_classes() or type(obj) in RESULT_TYPES


@functools.cache
def given_classes() -> frozenset[type]:
    """Plain data types, builtin exceptions, and every class a module exposes to scripts."""
    exposed = {
        member
        for module in ALLOWED_MODULES
        for member in module_proxy(module).members().values()
        if isinstance(member, type)
    }
    builtin_classes = {value for value in PLAIN_BUILTINS.values() if isinstance(value, type)}
    return _PLAIN_TYPES | frozenset(exposed) | frozenset(builtin_classes)
