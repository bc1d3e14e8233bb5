"""The modules scripts may import, each handed out as a read-only proxy of its allowed members.

A script never gets a real module (several carry other modules as attributes: `uuid.os`,
`json.codecs`): it gets a `ModuleProxy` holding only the members `members` lists for it.
"""

import functools
import types
from collections.abc import Mapping

from webhook_engine.sandbox.facade import ScriptFacade
from webhook_engine.sandbox.members import MEMBERS, script_members, withheld_reason

ALLOWED_MODULES = tuple(MEMBERS)
_IMPORTABLE = frozenset({*ALLOWED_MODULES, "urllib"})


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
            raise AttributeError(self.refusal(name)) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"module {self._module!r} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"module {self._module!r} is read-only")

    def offers(self, name: str) -> bool:
        return name in self._members

    def refusal(self, name: str) -> str:
        """Why a script cannot read `name` here (a name the module withholds says why)."""
        message = f"module {self._module!r} has no attribute {name!r} available to scripts"
        reason = withheld_reason(self._module, name)
        return f"{message} ({reason})" if reason else message

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
    return ModuleProxy(name, script_members(name))


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
    _check_importable(name, level)
    members = _names_to_import(name, fromlist)
    if not members:  # `import urllib.parse` binds `urllib`
        return module_proxy(name.partition(".")[0])
    proxy = module_proxy(name)
    for member in members:
        if not proxy.offers(member):
            raise ImportError(f"cannot import {member!r} from {name!r}: not available to scripts")
    return proxy


def _check_importable(name: object, level: object) -> None:
    """ImportError unless `name` is an exact `str` naming an allowed module, imported
    absolutely."""
    if type(name) is not str or name not in _IMPORTABLE or type(level) is not int or level:
        shown = repr(name) if type(name) is str else "a name that is not a str"
        allowed = ", ".join(ALLOWED_MODULES)
        raise ImportError(f"module {shown} is not available to scripts; allowed: {allowed}")


def _names_to_import(name: str, fromlist: object) -> tuple[str, ...]:
    """The names of `from name import ...`, each an exact `str`; () for `import name`."""
    members = () if fromlist is None else fromlist
    if type(members) is not tuple or any(type(member) is not str for member in members):
        raise ImportError(f"cannot import from {name!r}: names to import must be str")
    return members
