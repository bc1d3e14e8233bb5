"""What every object made for scripts is: a `ScriptFacade`, which lists what scripts may read.

The allow-list (`allowed`) lets a script read exactly the attributes a facade offers; module
proxies (`modules`), the names a script sees (`names`, `verify`) and the actions' facades
(`actions/facades.py`) are built on it.
"""

from __future__ import annotations

from typing import ClassVar


class ScriptFacade:
    """An object made for scripts: they read exactly the attributes it lists."""

    __slots__ = ()
    script_attributes: ClassVar[frozenset[str]] = frozenset()

    def offers(self, name: str) -> bool:
        """Whether a script may read attribute `name`."""
        return name in self.script_attributes

    def refusal(self, name: str) -> str:
        """The message of the AttributeError a script gets for `name`."""
        return f"{kind(self)} has no attribute {name!r} available to scripts"


def kind(obj: object) -> str:
    """How refusals name `obj`: a class by its name, anything else by its type's."""
    if isinstance(obj, type):
        return f"class {obj.__name__!r}"
    return repr(type(obj).__name__)
