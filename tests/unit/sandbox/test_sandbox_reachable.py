"""Layer 1: everything a script can reach is on the allow-list, walked to a fixed depth.

The walk starts from every name a script is given, every allowed module and every builtin, and
follows what a script could follow: attributes the guard lets it read, the results of calling
zero-argument methods, and items of containers. Any object that is neither readable under the
allow-list, a facade made for scripts, nor a callable of an allowed module or allowed object
fails the test, so a future name cannot reopen a route to engine objects, deserialisers, file
readers or the host.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from tests.unit.sandbox.push import push_fields
from webhook_engine.sandbox import ScriptError, compile_script, run_script
from webhook_engine.sandbox.actions import action_names
from webhook_engine.sandbox.allowed import RESULT_TYPES, ScriptFacade, check_attribute, readable
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
# Python modules whose functions scripts may hold: the allowed ones, their internals, and the
# mixin methods of collections.abc that allowed container classes inherit.
PYTHON_MODULES = {*ALLOWED_MODULES, "json.decoder", "json.encoder", "collections.abc"}
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


def push_request() -> RequestData:
    return RequestData(**push_fields())


def script_globals() -> dict[str, object]:
    """A function script's names, its toolkit calls answered with an HTTP response."""
    answer = {"status": 200, "headers": {"a": "b"}, "text": "{}", "url": "https://x.test/"}
    names = script_names(push_request(), {"SECRET": "s3cret"}, ScriptLog(LogBook()))
    return names | action_names(lambda target, args: answer)


def roots() -> dict[str, object]:
    names = script_globals()
    names["http.get()"] = names["http"].get("https://x.test/")  # type: ignore[attr-defined]
    modules = {f"import {name}": module_proxy(name) for name in ALLOWED_MODULES}
    return {**names, **modules, **{f"builtins.{k}": v for k, v in BUILTINS.items()}}


def allowed(obj: object) -> bool:
    """Whether a script may hold `obj` (the test's statement of the allow-list)."""
    if readable(obj) or isinstance(obj, ScriptFacade | property):  # a class's property is inert
        return True
    for kind, check in _CALLABLES:
        if isinstance(obj, kind):
            return check(obj)
    return not _public_names(obj)  # iterators and the like: nothing to read on them


def _owner_allowed(owner: object) -> bool:
    if isinstance(owner, types.ModuleType):
        return owner.__name__ in C_MODULES
    return owner is None or allowed(owner)


def _function_allowed(function: types.FunctionType) -> bool:
    module = function.__module__ or ""
    return module in PYTHON_MODULES or module.startswith("webhook_engine.sandbox.")


_CALLABLES: tuple[tuple[type | types.UnionType, Callable[[Any], bool]], ...] = (
    (  # a method of an allowed object, or a classmethod of a result's class (Counter.fromkeys)
        types.MethodType,
        lambda method: allowed(method.__self__) or method.__self__ in RESULT_TYPES,
    ),
    (types.BuiltinFunctionType | types.MethodWrapperType, lambda f: _owner_allowed(f.__self__)),
    (
        types.MethodDescriptorType | types.WrapperDescriptorType,
        lambda f: f.__objclass__ in (object, BaseException) or readable(f.__objclass__),
    ),
    (types.FunctionType, _function_allowed),
)


def _public_names(obj: object) -> list[str]:
    try:
        return [name for name in dir(obj) if not name.startswith("_")]
    except Exception:
        return []


def _attributes(obj: object) -> Iterator[tuple[str, object]]:
    for name in _public_names(obj):
        try:
            check_attribute(obj, name)
            yield f".{name}", getattr(obj, name)
        except Exception:  # refused, or raising when read: not a route
            continue


def _calls(obj: object) -> Iterator[tuple[str, object]]:
    if not callable(obj) or isinstance(obj, type):
        return
    try:
        yield "()", obj()
    except Exception:  # needs arguments, or refuses
        return


def _items(obj: object) -> Iterator[tuple[str, object]]:
    if isinstance(obj, Mapping):
        for key in list(obj)[:ITEMS]:
            yield f"[{key!r}]", obj[key]
    elif isinstance(obj, list | tuple | set | frozenset):
        for index, item in enumerate(list(obj)[:ITEMS]):
            yield f"[{index}]", item


def walk(start: dict[str, object]) -> dict[str, object]:
    """Every object reachable from `start` within DEPTH steps, by the first path found."""
    seen: dict[int, tuple[str, object]] = {}
    frontier = list(start.items())
    for _ in range(DEPTH + 1):
        following = []
        for path, obj in frontier:
            if id(obj) in seen:
                continue
            seen[id(obj)] = (path, obj)
            for step in (_attributes, _calls, _items):
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
    # Then there is none outside it (and the walk did reach far)
    assert refused == {}
    assert len(reachable) > 1000


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
        and not isinstance(obj, ScriptFacade)
    }
    # Then only facades made for scripts come from the engine
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
    from webhook_engine.domain.models import Status

    # When a script reads one of its attributes
    with pytest.raises(ScriptError) as caught:
        run_script(
            compile_script("return status.upper()", "function:t"), {"status": Status.FAILED}, 2
        )
    # Then the read is refused
    assert "cannot read attributes of 'Status'" in caught.value.message
