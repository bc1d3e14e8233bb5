"""The modules scripts may import, each handed out as a read-only proxy.

Several allow-listed modules carry other modules as attributes (`uuid.os`, `json.codecs`,
`base64.struct`, `re.functools`, `urllib.parse.warnings`), so a script never gets a real module:
it gets a `ModuleProxy` holding only the module's public functions, classes and constants.
"""

import collections
import functools
import importlib
import types
from collections.abc import Iterable, Mapping
from typing import Any

from webhook_engine.sandbox.allowed import ScriptFacade, register_script_type

ALLOWED_MODULES = (
    "json",
    "re",
    "hmac",
    "hashlib",
    "base64",
    "binascii",
    "datetime",
    "time",
    "math",
    "urllib.parse",
    "uuid",
    "collections",
    "itertools",
    "functools",
    "string",
)
_IMPORTABLE = frozenset({*ALLOWED_MODULES, "urllib"})

# Public members that reach outside the sandbox, so scripts do not get them.
_WITHHELD = {
    # update_wrapper, wraps and total_ordering write attributes onto any object they are given;
    # singledispatch evaluates string annotations as unrestricted code
    "functools": {
        "update_wrapper",
        "wraps",
        "total_ordering",
        "singledispatch",
        "singledispatchmethod",
    },
    # format strings read attributes (`{0.__class__}`)
    "string": {"Formatter"},
    # may run a subprocess to find the MAC address; a command-line entry point
    "uuid": {"getnode", "uuid1", "main"},
    # change the state of the whole process
    "time": {"tzset", "clock_settime", "clock_settime_ns"},
    # read from file objects: scripts have none, and file readers stay out of reach
    "hashlib": {"file_digest"},
    "base64": {"encode", "decode"},
}


class ModuleProxy(ScriptFacade):
    """Read-only view of a module's public API; no `__name__`, no submodules."""

    __slots__ = ("_members", "_module")
    _members: Mapping[str, object]
    _module: str

    def __init__(self, module: str, members: Mapping[str, object]) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_members", types.MappingProxyType(dict(members)))

    def __getattr__(self, name: str) -> object:
        try:
            return self._members[name]
        except KeyError:
            message = f"module {self._module!r} has no attribute {name!r} available to scripts"
            raise AttributeError(message) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"module {self._module!r} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"module {self._module!r} is read-only")

    def offers(self, name: str) -> bool:
        return name in self._members

    def members(self) -> Mapping[str, object]:
        """What scripts get from this module."""
        return self._members

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return f"<module {self._module!r} (sandboxed)>"


@functools.cache
def module_proxy(name: str) -> ModuleProxy:
    """The proxy for an allow-listed module (or `urllib`, whose only member is `parse`)."""
    if name == "urllib":
        return ModuleProxy(name, {"parse": module_proxy("urllib.parse")})
    return ModuleProxy(name, _public_members(importlib.import_module(name)))


def _public_members(module: types.ModuleType) -> dict[str, object]:
    """`__all__` (or the names without `_`) minus withheld members and modules."""
    withheld = _WITHHELD.get(module.__name__, set())
    public = getattr(module, "__all__", None) or list(vars(module))
    members = {
        name: getattr(module, name)
        for name in public
        if not name.startswith("_") and name not in withheld
    }
    if module.__name__ == "collections":
        members["namedtuple"] = namedtuple
    return {
        name: value for name, value in members.items() if not isinstance(value, types.ModuleType)
    }


def namedtuple(
    typename: str, field_names: str | Iterable[str], **options: Any
) -> type[tuple[Any, ...]]:
    """`collections.namedtuple` for scripts: the class it makes is readable by scripts."""
    return register_script_type(collections.namedtuple(typename, field_names, **options))


def guarded_import(
    name: str,
    globals_: Mapping[str, object] | None = None,
    locals_: Mapping[str, object] | None = None,
    fromlist: tuple[str, ...] | None = (),
    level: int = 0,
) -> ModuleProxy:
    """`__import__` for scripts: allow-listed modules only, as proxies.

    Names are taken only as exact `str` (a subclass could answer `==` and `in` as it likes).
    """
    if type(name) is not str or name not in _IMPORTABLE or type(level) is not int or level:
        shown = repr(name) if type(name) is str else "a name that is not a str"
        allowed = ", ".join(ALLOWED_MODULES)
        raise ImportError(f"module {shown} is not available to scripts; allowed: {allowed}")
    members = () if fromlist is None else fromlist
    if type(members) is not tuple or any(type(member) is not str for member in members):
        raise ImportError(f"cannot import from {name!r}: names to import must be str")
    if not members:  # `import urllib.parse` binds `urllib`
        return module_proxy(name.partition(".")[0])
    proxy = module_proxy(name)
    for member in members:
        if not proxy.offers(member):
            raise ImportError(f"cannot import {member!r} from {name!r}: not available to scripts")
    return proxy
