"""The builtins scripts get, but for the two the guards replace (`getattr`, `__import__`).

Apart from `guards` so that the allow-list (`allowed`) can list the builtin classes scripts are
given without importing the guards, which import it.
"""

import builtins

from RestrictedPython.Guards import safe_builtins

# RestrictedPython's safe builtins plus the harmless ones it leaves out only because they
# iterate in C past `_getiter_` (ours is plain `iter`). Not its `limited_builtins`: a range
# capped at 1000 and `list("abc")` refused would surprise script authors without bounding
# memory (`[0] * 10**9` still works); the time limit bounds loops instead.
_HARMLESS_BUILTINS = (
    "len",
    "str",
    "int",
    "float",
    "bool",
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "sorted",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "enumerate",
    "zip",
    "range",
    "isinstance",
    "abs",
    "round",
    "repr",
    "map",
    "filter",
    "reversed",
    "bytes",
    "hex",
    "ord",
    "chr",
    "divmod",
    "hash",
    "iter",
    "next",
)
_DROPPED_SAFE_BUILTINS = (
    "_getattr_",  # RestrictedPython's own getattr; scripts get the allow-list's
    "__build_class__",  # class definitions are refused at compile time
    "setattr",  # could only ever fail
    "delattr",
    "BaseException",  # catching these would catch the script's own timeout
    "GeneratorExit",
    "KeyboardInterrupt",
    "SystemExit",
)

PLAIN_BUILTINS: dict[str, object] = {
    **{name: obj for name, obj in safe_builtins.items() if name not in _DROPPED_SAFE_BUILTINS},
    **{name: getattr(builtins, name) for name in _HARMLESS_BUILTINS},
}
