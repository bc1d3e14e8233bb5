"""Layer 1: everything a script can reach is on the allow-list, walked to a fixed depth.

The walk starts from every name a script is given, every allowed module and every builtin, and
follows what a script could follow: attributes the guard lets it read, the results of calling
every reachable callable (classes included) with a set of sample arguments, and items of
containers. It fails on any object that is neither readable under the allow-list, a facade made
for scripts, nor a callable of an allowed module or allowed object; on any class scripts are not
given (a class factory's result, a Python-defined class); on any Python function that is not an
allowed module's member; and on any object that would run script code when it is dropped or
left (a finalizer, a context manager). So a future name cannot reopen a route to engine objects,
deserialisers, file readers, the host, or classes with methods of the script's choosing.
"""

from __future__ import annotations

import _hashlib
import collections
import datetime
import json
import re
import time
import types
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from tests.unit.sandbox.push import push_fields
from webhook_engine.actions.facades import action_names
from webhook_engine.domain.models import Status
from webhook_engine.sandbox import ScriptError, compile_script, run_script
from webhook_engine.sandbox.allowed import RESULT_TYPES, check_attribute, given_classes, readable
from webhook_engine.sandbox.facade import ScriptFacade
from webhook_engine.sandbox.guards import BUILTINS
from webhook_engine.sandbox.modules import ALLOWED_MODULES, module_proxy
from webhook_engine.sandbox.names import LogBook, RequestData, ScriptLog, script_names

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # utcnow() and the like
DEPTH = 3
ITEMS = 5
# C modules whose functions scripts may hold (the allowed modules' implementations).
C_MODULES = {
    "builtins",
    "_hashlib",
    "_blake2",
    "_md5",
    "_sha1",
    "_sha2",
    "_sha3",
    "_hmac",
    "binascii",
    "math",
    "time",
    "_json",
    "_sre",
    "_functools",
    "_collections",
    "itertools",
    "_datetime",
    "_string",
    "_operator",
}
# Names no reachable callable may carry: deserialisers of arbitrary data and file readers.
FORBIDDEN_NAMES = {
    "parse_raw",
    "parse_file",
    "model_validate_json",
    "read_text",
    "read_bytes",
    "file_digest",
    "system",
    "popen",
    "getenv",
    "environ",
    "unpickle",
}
FORBIDDEN_MODULES = {"pickle", "_pickle", "marshal", "os", "posix", "io", "_io", "subprocess"}
# Modules whose objects would let a script run its code later or around the engine's: finalizers,
# context managers, exit handlers, tracing.
LIFETIME_MODULES = {
    "weakref",
    "_weakref",
    "contextlib",
    "atexit",
    "gc",
    "sys",
    "signal",
    "threading",
}
UUID_TEXT = "12345678-1234-5678-1234-567812345678"


def samples() -> list[tuple[object, ...]]:
    """Arguments every reachable callable is called with (fresh each time: calls may mutate).

    Nothing, one value of each plain kind, and the arguments the allowed modules' functions need
    to return their objects (a regular expression match, an HMAC, a parsed URL, a UUID, a date).
    """
    return [
        (),
        ("a",),
        (b"a",),
        (0,),
        ({},),
        ([0, 1],),
        (len,),
        ("a", "a"),
        (len, ["a"]),
        ("https://u:p@a.test:8/b;p?c=d#e",),
        (UUID_TEXT,),
        (b"k", b"m", "sha256"),
        (2026, 1, 1),
    ]


def push_request() -> RequestData:
    return RequestData(**push_fields())


def script_globals() -> dict[str, object]:
    """A function script's names, its toolkit calls answered with an HTTP response."""
    answer = {"status": 200, "headers": {"a": "b"}, "text": "{}", "url": "https://x.test/"}
    names = script_names(push_request(), {"SECRET": "s3cret"}, ScriptLog(LogBook()))
    return names | action_names(lambda target, args: answer)


def roots() -> dict[str, object]:
    names = script_globals()
    modules = {f"import {name}": module_proxy(name) for name in ALLOWED_MODULES}
    return {**names, **modules, **{f"builtins.{k}": v for k, v in BUILTINS.items()}}


def member_functions() -> list[object]:
    """The Python functions scripts are given: allowed modules' members and builtins."""
    members = [v for name in ALLOWED_MODULES for v in module_proxy(name).members().values()]
    return [v for v in [*members, *BUILTINS.values()] if isinstance(v, types.FunctionType)]


def allowed(obj: object) -> bool:
    """Whether a script may hold `obj` (the test's statement of the allow-list).

    An exception a call raised is caught by the script, which reads its attributes only when
    its class is given (the walk follows its arguments).
    """
    if readable(obj) or isinstance(obj, ScriptFacade | property | BaseException):
        return True  # a class's property is inert
    if isinstance(obj, type):  # a class scripts are not given
        return False
    for kind, check in _CALLABLES:
        if isinstance(obj, kind):
            return check(obj)
    return not _public_names(obj)  # iterators and the like: nothing to read on them


def _owner_allowed(owner: object) -> bool:
    if isinstance(owner, types.ModuleType):
        return owner.__name__ in C_MODULES
    return owner is None or allowed(owner) or owner in RESULT_TYPES  # a result's classmethod


_CALLABLES: tuple[tuple[type | types.UnionType, Callable[[Any], bool]], ...] = (
    (types.MethodType, lambda method: _owner_allowed(method.__self__)),
    (types.BuiltinFunctionType | types.MethodWrapperType, lambda f: _owner_allowed(f.__self__)),
    (
        types.MethodDescriptorType | types.WrapperDescriptorType,
        lambda f: f.__objclass__ in (object, BaseException) or readable(f.__objclass__),
    ),
    (types.FunctionType, lambda function: any(function is f for f in member_functions())),
)


def python_defined(cls: type) -> bool:
    """Whether methods of `cls` (or of a class it inherits from) are Python code."""
    return any(_python_code(value) for klass in cls.__mro__ for value in vars(klass).values())


def _python_code(value: object) -> bool:
    if isinstance(value, classmethod | staticmethod):
        value = value.__func__
    elif isinstance(value, property):
        value = value.fget
    return isinstance(value, types.FunctionType)


def _public_names(obj: object) -> list[str]:
    try:
        return [name for name in dir(obj) if not name.startswith("_")]
    except Exception:
        return []


def _attributes(obj: object) -> Iterator[tuple[str, object]]:
    for name in _public_names(obj):
        try:
            check_attribute(obj, name)
            value = getattr(obj, name)
        except Exception:  # refused, or raising when read: not a route
            continue
        yield f".{name}", value
        yield from ((f".{name}{call}", result) for call, result in _calls(value))


def _calls(obj: object) -> Iterator[tuple[str, object]]:
    """What calling `obj` with each sample gives a script: a result, or an exception it catches."""
    if not callable(obj):
        return
    for arguments in samples():
        try:
            result = obj(*arguments)
        except Exception as error:
            yield f"{arguments!r} raised", error
        else:
            yield f"{arguments!r}", result


def _items(obj: object) -> Iterator[tuple[str, object]]:
    if isinstance(obj, BaseException):
        obj = obj.args
    elif not isinstance(obj, Mapping | list | tuple | set | frozenset):
        return
    try:  # a container may fail on its own items (a ChainMap over a str)
        keys = list(obj)[:ITEMS]
        items = [(f"[{key!r}]", obj[key]) for key in keys] if isinstance(obj, Mapping) else []
    except Exception:
        return
    yield from items or ((f"[{index}]", item) for index, item in enumerate(keys))


def _expansion(obj: object) -> object:
    """Instances of one plain or result type share their methods: each type is expanded once
    (and a bound method once per type and name); anything else once per object."""
    owner = getattr(obj, "__self__", None)
    if isinstance(obj, types.MethodType | types.BuiltinMethodType) and not isinstance(
        owner, type | types.ModuleType | ScriptFacade | None
    ):
        return ("method", type(owner), obj.__name__)
    if type(obj) in given_classes() or type(obj) in RESULT_TYPES:
        return ("instance", type(obj))
    return id(obj)


def walk(start: dict[str, object]) -> dict[str, object]:
    """Every object reachable from `start` within DEPTH steps, by the first path found.

    A step reads an attribute (and calls it), calls the object, or takes an item.
    """
    seen: dict[int, tuple[str, object]] = {}
    expanded: set[object] = set()
    frontier = list(start.items())
    for _ in range(DEPTH + 1):
        following = []
        for path, obj in frontier:
            if id(obj) in seen:
                continue
            seen[id(obj)] = (path, obj)
            following += [(path + key, item) for key, item in _items(obj)]
            if (key := _expansion(obj)) not in expanded:
                expanded.add(key)
                for step in (_attributes, _calls):
                    following += [(path + name, value) for name, value in step(obj)]
        frontier = following
    return dict(seen.values())


@pytest.fixture(scope="module")
def reachable() -> dict[str, object]:
    return walk(roots())


def test_everything_reachable_is_on_the_allow_list(reachable):
    # Given everything a script can reach from its names, modules and builtins
    # When each object is checked against the allow-list
    refused = {path: type(obj).__qualname__ for path, obj in reachable.items() if not allowed(obj)}
    # Then there is none outside it (and the walk did reach far: what calls return)
    assert refused == {}
    assert len(reachable) > 20000
    kinds = {type(obj) for obj in reachable.values()}
    assert {
        type(re.match("a", "a")),
        type(_hashlib.hmac_new(b"k", b"m", "sha256")),
        uuid.UUID,
        urllib.parse.ParseResult,
        collections.Counter,
        collections.deque,
        datetime.datetime,
        time.struct_time,
        json.JSONDecodeError,
    } <= kinds


def test_no_class_factory_and_no_python_defined_class_is_reachable(reachable):
    # Given everything reachable
    classes = {path: obj for path, obj in reachable.items() if isinstance(obj, type)}
    # When its classes are compared with those scripts are given
    made = {path for path, cls in classes.items() if cls not in given_classes()}
    python = {
        path
        for path, cls in classes.items()
        if python_defined(cls) and not issubclass(cls, BaseException)
    }
    # Then no call made a new class, and every class given is implemented in C (the exceptions
    # that allowed functions raise, such as json.JSONDecodeError, are caught by name)
    assert made == set()
    assert python == set()
    assert len(classes) > 50


def test_no_reachable_value_is_a_subclass_of_str_bytes_or_int(reachable):
    # Given everything reachable
    # When values of the kinds a name or a key can be are looked at
    subclassed = {
        path: type(obj).__qualname__
        for path, obj in reachable.items()
        if isinstance(obj, str | bytes | int | float)
        and type(obj) not in (str, bytes, int, float, bool)
    }
    # Then each is of the exact type (re.I is an int, not a RegexFlag): no value a script holds
    # answers `startswith`, `==` or `__index__` with code of its own
    assert subclassed == {}


def test_only_allowed_python_functions_are_reachable(reachable):
    # Given the Python functions scripts are given (members of allowed modules)
    given = member_functions()
    # When every reachable Python function, and every method of Python code, is looked at
    functions = {p: f for p, f in reachable.items() if isinstance(f, types.FunctionType)}
    methods = {p: m for p, m in reachable.items() if isinstance(m, types.MethodType)}
    # Then each function is one of them, and each method is bound to an object scripts may read
    # (no function of the engine's or of a module's internals, whose globals hold real modules)
    assert {path for path, f in functions.items() if not any(f is g for g in given)} == set()
    assert {path for path, m in methods.items() if not _owner_allowed(m.__self__)} == set()
    assert len(functions) > 20
    assert len(methods) > 20


def test_no_reachable_object_runs_script_code_when_dropped_or_left(reachable):
    # Given everything reachable
    # When their types are looked at for finalizers and context managers
    lifetime = {
        path
        for path, obj in reachable.items()
        for kind in [obj if isinstance(obj, type) else type(obj)]
        if any(hasattr(kind, name) for name in ("__del__", "__enter__", "__exit__", "__aexit__"))
        or (getattr(obj, "__module__", None) or "") in LIFETIME_MODULES
        or kind.__module__ in LIFETIME_MODULES
    }
    # Then there is none: a script cannot attach a finalizer (weakref.finalize) or wrap code in
    # a context manager of its own (one that would swallow its time limit)
    assert lifetime == set()


def test_no_deserialiser_file_reader_or_host_function_is_reachable(reachable):
    # Given everything reachable
    # When callables are looked at by name and module
    found = {
        path
        for path, obj in reachable.items()
        if callable(obj)
        and (
            getattr(obj, "__name__", "") in FORBIDDEN_NAMES
            or (getattr(obj, "__module__", None) or "") in FORBIDDEN_MODULES
        )
    }
    # Then none is a deserialiser, a file reader or a door to the host
    assert found == set()


def test_no_engine_object_is_reachable(reachable):
    # Given everything reachable
    # When objects are looked at by the module that defines their type
    engine = {
        path
        for path, obj in reachable.items()
        if type(obj).__module__.startswith(("webhook_engine", "pydantic", "aws_lambda"))
        and not isinstance(obj, ScriptFacade | BaseException)
    }
    # Then only facades made for scripts come from the engine (and the errors they raise, such as
    # ActionRefused, whose arguments the walk checks)
    assert engine == set()


def run(source: str) -> object:
    names = script_globals()
    return run_script(compile_script(source, "function:test"), names, 2.0)


@pytest.mark.parametrize(
    "source",
    [
        # the facades offer their methods and nothing else
        "return log.finish()",
        "return getattr(log, 'entries')",
        "return headers.copy",
        "return log.info.clear",
        "return http.request",
        "return respond.call",
        "return aws.invoke.clear",
        "return http.get('https://x.test/').json.clear",
        "return http.get('https://x.test/').headers.copy",
        # engine objects behind plain values
        "return received_at.tzinfo.utcoffset.clear",
        "return (lambda: 1).clear",
        # objects of types the allow-list does not know
        "return iter([1]).send",
        "return (x for x in [1]).send",
        "import functools\nreturn functools.partial(print).func.clear",
    ],
)
def test_attributes_outside_the_allow_list_are_refused(source):
    # Given a script reading an attribute the allow-list does not grant
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run(source)
    # Then it fails with a clear AttributeError
    assert caught.value.error_type == "AttributeError"
    assert "scripts" in caught.value.message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("return headers.get('X-GitHub-Event')", "push"),
        ("return sorted(headers.keys())[0]", "content-type"),
        ("return props.get('SECRET')", "s3cret"),
        ("return query.get('projectId'), list(query_all.items())[1]", ("7", ("tag", ["a", "b"]))),
        ("return received_at.isoformat()", "2026-11-29T00:00:00+00:00"),
        ("return received_at.tzinfo.utcoffset(None).total_seconds()", 0.0),
        ("return payload['repository']['full_name'].upper()", "ACME/PAYMENTS"),
        ("return raw_body[:1].decode()", "{"),
        ("import re\nreturn re.match(r'(\\w+)/', uri).group(1)", "git"),
        ("import collections\nreturn collections.Counter('aab').most_common(1)", [("a", 2)]),
        ("import hashlib\nreturn hashlib.sha256(b'').name", "sha256"),
        ("import uuid\nreturn len(uuid.uuid4().hex)", 32),
        ("import urllib.parse\nreturn urllib.parse.urlparse('https://a.b/c').netloc", "a.b"),
        ("return dict.fromkeys('ab', 0)", {"a": 0, "b": 0}),
    ],
)
def test_plain_data_and_module_results_stay_readable(source, expected):
    # Given a script reading attributes of plain data, facades and module results
    # When it runs
    result = run(source)
    # Then it reads them as in plain Python
    assert result == expected


def test_engine_types_that_subclass_plain_types_are_refused():
    # Given an engine enum value that is a str (exact types only are plain data)
    # When a script reads one of its attributes
    with pytest.raises(ScriptError) as caught:
        run_script(
            compile_script("return status.upper()", "function:t"), {"status": Status.FAILED}, 2
        )
    # Then the read is refused
    assert "cannot read attributes of 'Status'" in caught.value.message
