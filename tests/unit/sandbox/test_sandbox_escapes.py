"""Ways out of the sandbox, each of which must be refused."""

import collections
import enum
import gc
import uuid
from collections.abc import Callable
from typing import ClassVar

import pytest

from tests.escapes import ENUM_ESCAPE, ENUM_ESCAPE_REFUSED
from webhook_engine.sandbox import ScriptCompileError, ScriptError, compile_script, run_script
from webhook_engine.sandbox.guards import guarded_getattr
from webhook_engine.sandbox.modules import guarded_import, module_proxy
from webhook_engine.sandbox.names import Headers


def run(source: str, **names: object) -> object:
    return run_script(compile_script(source, "function:test"), names, timeout=2.0)


@pytest.mark.parametrize(
    ("source", "error_type"),
    [
        # submodules and other modules reachable from allow-listed ones
        ("import uuid\nreturn uuid.os", "AttributeError"),
        ("import json\nreturn json.codecs", "AttributeError"),
        ("import json\nreturn json.decoder", "AttributeError"),
        ("import base64\nreturn base64.struct", "AttributeError"),
        ("import re\nreturn re.functools", "AttributeError"),
        ("import urllib.parse\nreturn urllib.parse.warnings", "AttributeError"),
        ("import urllib.parse\nreturn urllib.request", "AttributeError"),
        ("from json import decoder", "ImportError"),
        ("from uuid import os", "ImportError"),
        # imports outside the allow-list
        ("import os", "ImportError"),
        ("import sys", "ImportError"),
        ("import urllib.request", "ImportError"),
        ("from urllib import request", "ImportError"),
        # members withheld from allow-listed modules
        ("import string\nreturn string.Formatter", "AttributeError"),
        ("import functools\nreturn functools.update_wrapper", "AttributeError"),
        ("import functools\nreturn functools.singledispatch", "AttributeError"),
        ("import uuid\nreturn uuid.getnode", "AttributeError"),
        # builtins that are not there
        ("return open('/etc/passwd')", "NameError"),
        ("return compile('1', 'x', 'eval')", "NameError"),
        ("return globals()", "NameError"),
        ("return vars()", "NameError"),
        ("return type(1)", "NameError"),
        ("return setattr", "NameError"),
        ("raise SystemExit(3)", "NameError"),
        ("return BaseException", "NameError"),
        # attributes reached by name at run time
        ("return getattr(1, '__class__')", "AttributeError"),
        ("return getattr(getattr, '__globals__')", "AttributeError"),
        ("return getattr((x for x in []), 'gi_frame')", "AttributeError"),
        ("return getattr((x for x in []), 'gi_code')", "AttributeError"),
        ("return int.mro()", "AttributeError"),
        (
            "try:\n    1 / 0\nexcept ZeroDivisionError as error:\n"
            "    return getattr(error, '__traceback__')",
            "AttributeError",
        ),
        # format strings that read attributes
        ("return '{0.__class__}'.format(1)", "AttributeError"),
        ("return '{x.__class__}'.format_map({'x': 1})", "AttributeError"),
        ("return str.format('{0.__class__}', 1)", "AttributeError"),
        (
            "import collections\nreturn collections.UserString('{0.__class__}').format(1)",
            "AttributeError",
        ),
        # writes to module proxies
        ("import json\njson.loads = None", "TypeError"),
        ("import json\ndel json.loads", "TypeError"),
    ],
)
def test_refused_at_run_time(source, error_type):
    # Given a script trying a way out
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run(source)
    # Then a guard refused it
    assert caught.value.error_type == error_type


@pytest.mark.parametrize(
    "source",
    [
        "return __import__('os')",
        "return eval('1')",
        "exec('x = 1')",
        "return ().__class__",
        "return ().__class__.__bases__[0].__subclasses__()",
        "return (x for x in []).gi_frame.f_back.f_globals",
        "g = (x for x in [])\nreturn g.gi_code",
        "def f():\n    pass\nreturn f.__globals__",
        "return f'{().__class__}'",
        "try:\n    1 / 0\nexcept ZeroDivisionError as error:\n    return error.__traceback__",
        "frame = None\nreturn frame.f_globals",
        "frame = None\nreturn frame.f_builtins",
        "tb = None\nreturn tb.tb_frame",
        "_getattr_ = getattr",
        "match 1:\n    case int(real=r):\n        pass",
        "import json as _json",
    ],
)
def test_refused_at_compile_time(source):
    # Given a script naming something forbidden in its text
    # When it is compiled
    with pytest.raises(ScriptCompileError) as caught:
        compile_script(source, "function:test")
    # Then compiling names the line
    assert caught.value.line is not None


def test_import_refusal_names_the_allowed_modules():
    # Given a script importing os
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run("import os")
    # Then the error lists what may be imported
    assert caught.value.error_type == "ImportError"
    assert "json, re, hmac" in caught.value.message
    assert "urllib.parse" in caught.value.message


def test_module_proxies_refuse_assignment_from_outside_too():
    # Given the proxy scripts get for json
    proxy = module_proxy("json")
    # When something assigns to it directly
    # Then the assignment fails
    with pytest.raises(AttributeError, match="read-only"):
        proxy.loads = None


def test_module_proxies_hold_only_public_non_module_members():
    # Given the proxies of modules carrying other modules
    # When their members are listed
    members = {name: dir(module_proxy(name)) for name in ("uuid", "json", "base64", "re")}
    # Then none is private, none is a module, and the public API is there
    assert "os" not in members["uuid"]
    assert "codecs" not in members["json"]
    assert "struct" not in members["base64"]
    assert "functools" not in members["re"]
    assert "loads" in members["json"]
    assert all(not name.startswith("_") for names in members.values() for name in names)


def test_proxies_are_built_once_per_process():
    # Given a proxy already built
    first = module_proxy("hashlib")
    # When it is asked for again
    # Then it is the same object
    assert module_proxy("hashlib") is first


def test_the_enum_escape_is_refused_in_process():
    # Given the script that left the language wall through the Enum API
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run(ENUM_ESCAPE)
    # Then it is refused where it starts: no class factory is available
    assert caught.value.message == f"{ENUM_ESCAPE_REFUSED} (makes classes) (line 3)"


class SpyName(str):
    """A `str` a script could have made had any class factory been reachable: it records every
    method the sandbox calls on it, and lies in each (`startswith("_")` is False, `==` True)."""

    calls: ClassVar[list[str]] = []

    def startswith(self, *args: object) -> bool:
        SpyName.calls.append("startswith")
        return False

    def lower(self) -> str:
        SpyName.calls.append("lower")
        return "x-github-event"

    def __eq__(self, other: object) -> bool:
        SpyName.calls.append("__eq__")
        return True

    def __hash__(self) -> int:
        SpyName.calls.append("__hash__")
        return hash("json")


class SpyBytes(bytes):
    def decode(self, *args: object) -> str:
        SpyName.calls.append("decode")
        return "json"


class SpyInt(int):
    def __index__(self) -> int:
        SpyName.calls.append("__index__")
        return 0


NOT_STR_NAMES = {
    "str subclass": SpyName("__globals__"),
    "StrEnum member": enum.StrEnum("Names", {"CLASS": "__class__"}).CLASS,
    "UserString": collections.UserString("__class__"),
    "bytes": b"__class__",
    "bytes subclass": SpyBytes(b"__class__"),
    "int": 0,
    "bool": True,
    "int subclass": SpyInt(1),
}
HEADERS = Headers({"X-GitHub-Event": "push"})
NAME_SINKS: dict[str, Callable[[object], object]] = {
    "getattr": lambda name: guarded_getattr(str, name),
    "getattr with a default": lambda name: guarded_getattr(str, name, None),
    "the script's getattr": lambda name: run("return getattr(str, name)", name=name),
    "a header lookup": lambda name: HEADERS[name],
    "a header get": HEADERS.get,
    "a header test": lambda name: name in HEADERS,
    "an import": guarded_import,
    "an imported member": lambda name: guarded_import("json", None, None, (name,)),
}


@pytest.mark.parametrize("sink", list(NAME_SINKS))
@pytest.mark.parametrize("kind", list(NOT_STR_NAMES))
def test_only_exact_str_is_taken_as_a_name(kind, sink):
    # Given a name that is not an exact str (one that lies about itself, where it can)
    SpyName.calls.clear()
    name = NOT_STR_NAMES[kind]
    # When it reaches a place where the sandbox takes a name
    try:
        outcome = NAME_SINKS[sink](name)
    except (TypeError, KeyError, ImportError, ScriptError) as refusal:
        outcome = refusal
    # Then it is refused (an error, or nothing found) without a method of it being called
    assert outcome is None or outcome is False or isinstance(outcome, Exception)
    if isinstance(outcome, ScriptError):
        assert outcome.error_type == "TypeError"
    assert SpyName.calls == []


@pytest.mark.parametrize(
    ("source", "error_type", "reason"),
    [
        ("import uuid\nreturn uuid.Enum('E', 'a b')", "AttributeError", "(makes classes)"),
        ("import uuid\nreturn uuid.SafeUUID", "AttributeError", "(an Enum class)"),
        ("import re\nreturn re.RegexFlag", "AttributeError", "the flags are plain ints"),
        ("import re\nreturn type(re.I)", "NameError", "'type' is not defined"),
        ("import collections\nreturn collections.namedtuple('P', 'x')", "AttributeError", "tuple"),
        ("import functools\nreturn functools.partialmethod", "AttributeError", "class bodies"),
        ("import functools\nreturn functools.cached_property", "AttributeError", "class bodies"),
        ("import functools\nreturn functools.total_ordering", "AttributeError", "adds methods"),
        ("import datetime\nreturn datetime.tzinfo", "AttributeError", "a base for classes"),
        ("import enum", "ImportError", "'enum' is not available"),
        ("import typing", "ImportError", "'typing' is not available"),
        ("import dataclasses", "ImportError", "'dataclasses' is not available"),
        ("import types", "ImportError", "'types' is not available"),
    ],
)
def test_no_class_factory_is_available(source, error_type, reason):
    # Given a script reaching for something that makes classes
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run(source)
    # Then it is refused, saying why
    assert caught.value.error_type == error_type
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("module", "member"),
    [
        ("string", "Template"),
        ("string", "Formatter"),
        ("json", "JSONDecoder"),
        ("json", "JSONEncoder"),
        ("collections", "UserDict"),
        ("collections", "UserList"),
        ("collections", "UserString"),
        ("collections", "ChainMap"),
        ("hmac", "HMAC"),
        ("urllib.parse", "ParseResult"),
        ("urllib.parse", "SplitResult"),
        ("urllib.parse", "DefragResult"),
    ],
)
def test_python_defined_classes_of_allowed_modules_are_withheld(module, member):
    # Given a class written in Python (its methods run on any `self`; it inherits
    # object.__getattribute__, which reads anything by name)
    # When a script asks its module for it
    with pytest.raises(ScriptError) as caught:
        run(f"import {module}\nreturn {module}.{member}")
    # Then the module has no such member for scripts, and says why
    assert caught.value.message.startswith(
        f"AttributeError: module '{module}' has no attribute '{member}' available to scripts ("
    )


def test_python_defined_classes_stay_out_of_reach_of_their_instances():
    # Given the names scripts know uuid.UUID and collections.Counter by
    source = (
        "import uuid, collections\n"
        "return uuid.UUID, uuid.UUID(int=1), collections.Counter, collections.Counter('aab')"
    )
    # When a script returns them with what they make
    uuid_maker, made_uuid, counter_maker, counts = run(source)
    # Then those are functions that make the instances, not the classes
    assert not isinstance(uuid_maker, type)
    assert not isinstance(counter_maker, type)
    assert type(made_uuid) is uuid.UUID
    assert str(made_uuid) == "00000000-0000-0000-0000-000000000001"
    assert counts == collections.Counter(a=2, b=1)


CONTEXT_MANAGER = """
import uuid
Swallow = uuid.Enum('Swallow', {'it': 1, '__enter__': lambda self: self,
                                '__exit__': lambda self, *error: True})
with Swallow['it']:
    while True:
        pass
print('ran past its time limit')
"""
FINALIZER = """
import uuid
Late = uuid.Enum('Late', {'it': 1, '__del__': lambda self: print('ran after its script')})
Late['it']
"""


def test_a_script_cannot_make_a_context_manager_that_swallows_its_time_limit():
    # Given a script wrapping its loop in a context manager that swallows every error
    printed: list[str] = []
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run_script(compile_script(CONTEXT_MANAGER, "function:t"), {}, 0.5, printed.append)
    # Then it never gets one (the class factory is not there), and ran nothing past its limit
    assert caught.value.error_type == "AttributeError"
    assert printed == []


def test_a_script_cannot_leave_a_finalizer_for_a_later_run():
    # Given a script that would leave an object whose finalizer prints
    printed: list[str] = []
    with pytest.raises(ScriptError) as caught:
        run_script(compile_script(FINALIZER, "function:t"), {}, 2.0, printed.append)
    # When a later run happens and the garbage is collected
    run("return 1")
    gc.collect()
    # Then nothing of the first script ran after it
    assert caught.value.error_type == "AttributeError"
    assert printed == []
