"""Compiling and running scripts: return values, names, imports, errors, the compile cache."""

import datetime
import importlib
import types
import uuid

import pytest

from webhook_engine.sandbox import (
    CompiledScript,
    ScriptCompileError,
    ScriptError,
    compile_script,
    run_script,
)
from webhook_engine.sandbox.members import MEMBERS, WITHHELD
from webhook_engine.sandbox.modules import ALLOWED_MODULES, module_proxy


def run(source: str, **names: object) -> object:
    return run_script(compile_script(source, "function:test"), names, timeout=2.0)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("return payload['ref'] == 'refs/heads/main'", True),
        ("return payload['ref'] == 'refs/heads/dev'", False),
        ("return []", []),
        ("x = 1", None),
        ("", None),
        ("# only a comment", None),
    ],
)
def test_returns_the_return_value(source, expected):
    # Given a payload
    payload = {"ref": "refs/heads/main"}
    # When the script runs
    result = run(source, payload=payload)
    # Then its return value comes back (None when it does not return)
    assert result == expected


def test_sees_the_names_it_is_given():
    # Given several names
    names = {"method": "POST", "uri": "git/push", "headers": {"x-event": "push"}}
    # When a script combines them
    result = run("return f\"{method} {uri} {headers['x-event']}\"", **names)
    # Then it sees each of them
    assert result == "POST git/push push"


def test_names_cannot_replace_the_guards():
    # Given a name that collides with a guard
    def leaky_getattr(obj, name):
        return getattr(obj, name)

    # When the script reads attributes, one of them refused by the sandbox's guard
    result = run("return 'a'.upper()", _getattr_=leaky_getattr)
    with pytest.raises(ScriptError, match='"format" is not available'):
        run("return '{}'.format", _getattr_=leaky_getattr)
    # Then the sandbox's guard was used for both
    assert result == "A"


def test_writes_to_its_own_containers():
    # Given a script that builds and changes its own dict, list and Counter
    source = (
        "import collections\n"
        "d = {'a': 1}\n"
        "d['b'] = 2\n"
        "del d['a']\n"
        "items = [1, 2]\n"
        "items[0] = 5\n"
        "counts = collections.Counter()\n"
        "counts['x'] = 3\n"
        "return d, items, counts['x']"
    )
    # When it runs
    result = run(source)
    # Then the writes took effect
    assert result == ({"b": 2}, [5, 2], 3)


def test_cannot_write_to_a_read_only_mapping_it_is_given():
    # Given a read-only mapping
    headers = types.MappingProxyType({"x-event": "push"})
    # When the script assigns into it
    with pytest.raises(ScriptError) as caught:
        run("headers['x-event'] = 'pull'", headers=headers)
    # Then the write is refused and the mapping is unchanged
    assert caught.value.error_type == "TypeError"
    assert headers["x-event"] == "push"


def test_cannot_write_to_a_dict_subclass_it_is_given():
    # Given a mapping built on dict, as a read-only mapping might be
    class Headers(dict[str, str]):
        pass

    headers = Headers({"x-event": "push"})
    # When the script assigns into it
    with pytest.raises(ScriptError) as caught:
        run("headers['x-event'] = 'pull'", headers=headers)
    # Then the write is refused
    assert caught.value.error_type == "TypeError"
    assert headers == {"x-event": "push"}


def test_augmented_assignment_on_names_works():
    # Given a script with `+=` and `|=` on names
    source = "n = 1\nn += 2\ns = {1}\ns |= {2}\nreturn n, s"
    # When it runs
    result = run(source)
    # Then both operators applied
    assert result == (3, {1, 2})


def test_unpacking_and_star_calls_work():
    # Given a script unpacking tuples and calling with *args and **kwargs
    source = (
        "a, (b, c) = 1, (2, 3)\n"
        "pairs = [(k, v) for k, v in {'x': 1}.items()]\n"
        "f = lambda *args, **kwargs: (args, kwargs)\n"
        "return a + b + c, pairs, f(*[1], **{'k': 2})"
    )
    # When it runs
    result = run(source)
    # Then everything unpacked as in plain Python
    assert result == (6, [("x", 1)], ((1,), {"k": 2}))


def test_print_goes_to_the_print_sink_when_given():
    # Given a print sink
    lines: list[str] = []
    # When the script prints
    run_script(
        compile_script("print('hello', 42)\nprint('bye')", "function:test"), {}, 2.0, lines.append
    )
    # Then each printed line reached the sink
    assert lines == ["hello 42", "bye"]


def test_print_without_a_sink_is_collected():
    # Given no print sink
    # When the script prints and reads `printed`
    result = run("print('a', 'b', sep='-')\nreturn printed")
    # Then the text was collected, not written anywhere
    assert result == "a-b\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import json\nreturn json.loads('{\"a\": [1]}')['a']", [1]),
        ("import re\nreturn re.sub(r'\\d', '#', 'a1b2')", "a#b#"),
        (
            "import hmac, hashlib\nreturn hmac.new(b'key', b'msg', hashlib.sha256).hexdigest()",
            "2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628",
        ),
        ("import hashlib\nreturn hashlib.sha256(b'').hexdigest()[:8]", "e3b0c442"),
        ("import base64\nreturn base64.b64encode(b'hi')", b"aGk="),
        ("import binascii\nreturn binascii.hexlify(b'hi')", b"6869"),
        ("import datetime\nreturn datetime.timedelta(hours=1).total_seconds()", 3600.0),
        ("import time\nreturn time.time() > 0", True),
        ("import math\nreturn math.sqrt(16)", 4.0),
        ("import urllib.parse\nreturn urllib.parse.quote('a b')", "a%20b"),
        ("from urllib.parse import parse_qs\nreturn parse_qs('a=1&a=2')", {"a": ["1", "2"]}),
        ("from urllib import parse\nreturn parse.unquote('a%20b')", "a b"),
        ("import uuid\nreturn uuid.uuid4().version", 4),
        ("import collections\nreturn collections.Counter('aab')['a']", 2),
        ("import itertools\nreturn list(itertools.chain([1], [2]))", [1, 2]),
        ("import functools\nreturn functools.reduce(lambda a, b: a * b, [2, 3])", 6),
        ("import string\nreturn string.capwords('hello world')", "Hello World"),
        ("import re\nreturn re.findall('a', 'A a', re.I | re.M)", ["A", "a"]),
        ("import hmac\nreturn hmac.digest(b'key', b'msg', 'sha256').hex()[:8]", "2d93cbc1"),
        ("import hmac, hashlib\nreturn hmac.new(b'k', digestmod=hashlib.sha1).name", "hmac-sha1"),
        ("import hashlib\nreturn 'sha256' in hashlib.algorithms_guaranteed", True),
        ("import urllib.parse\nreturn urllib.parse.urlsplit('https://a.b/c?d').query", "d"),
        ("import uuid\nreturn uuid.UUID('{12345678-1234-5678-1234-567812345678}').hex[:4]", "1234"),
        ("import collections\nreturn collections.deque([1, 2], maxlen=1)[0]", 2),
        ("import datetime\nreturn datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).year", 2026),
        (
            "import json\ntry:\n    json.loads('x')\nexcept json.JSONDecodeError as e:\n    return e.pos",
            0,
        ),
    ],
)
def test_each_allowed_module_works(source, expected):
    # Given a script using an allow-listed module
    # When it runs
    result = run(source)
    # Then the module behaves as usual
    assert result == expected


def test_import_urllib_parse_binds_only_parse():
    # Given `import urllib.parse`
    # When the script returns what it bound as `urllib`
    result = run("import urllib.parse\nreturn urllib")
    # Then that is a proxy holding only `parse`, not the package
    assert not isinstance(result, types.ModuleType)
    assert dir(result) == ["parse"]


def test_syntax_error_names_the_line():
    # Given a script whose third line does not parse
    source = "x = 1\ny = 2\nif x\n    pass"
    # When it is compiled
    with pytest.raises(ScriptCompileError) as caught:
        compile_script(source, "function:test")
    # Then the error names line 3
    assert caught.value.line == 3
    assert caught.value.message.startswith("line 3: ")
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("x = 1\nreturn x.__class__", 2, '"__class__" is an invalid attribute name'),
        ("class A:\n    pass", 1, "class definitions are not allowed"),
        ("x = 1\nyield x", 2, '"yield" is not allowed'),
        ("def numbers():\n    yield 1\nreturn list(numbers())", 2, '"yield" is not allowed'),
        ("while True:\n    pass\nbreak", 3, "'break' outside loop"),
        ("x = [1]\nx[0] += 1", 2, "Augmented assignment of object items"),
        ("try:\n    pass\nexcept:\n    pass", 3, 'a bare "except:" is not allowed'),
    ],
)
def test_refused_constructs_name_the_line(source, line, reason):
    # Given a script using a construct the sandbox refuses
    # When it is compiled
    with pytest.raises(ScriptCompileError) as caught:
        compile_script(source, "function:test")
    # Then the error names the line and the reason
    assert caught.value.line == line
    assert caught.value.message.startswith(f"line {line}: ")
    assert reason in caught.value.message


def test_deeply_nested_script_is_refused_not_crashing():
    # Given a script too deeply nested for Python's parser
    source = "x = " + "-" * 100_000 + "1"
    # When it is compiled
    # Then a ScriptCompileError says so
    with pytest.raises(ScriptCompileError, match="nested too deeply"):
        compile_script(source, "function:test")


def test_runtime_error_names_the_line_without_internal_paths():
    # Given a script failing on line 4
    source = "a = 1\nb = 2\nevent = {}\nreturn event['ref']"
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run(source)
    # Then the error names the exception and the line, and nothing else
    assert caught.value.line == 4
    assert caught.value.error_type == "KeyError"
    assert caught.value.message == "KeyError: 'ref' (line 4)"
    assert str(caught.value) == caught.value.message


def test_error_in_a_nested_function_names_the_innermost_line():
    # Given a script whose helper fails on line 2
    source = "def check(x):\n    return 1 / x\nreturn check(0)"
    # When it runs
    with pytest.raises(ScriptError) as caught:
        run(source)
    # Then the innermost script line is reported
    assert caught.value.line == 2
    assert caught.value.error_type == "ZeroDivisionError"


def test_exception_handling_works_for_ordinary_errors():
    # Given a script catching an error it caused
    source = "try:\n    return {}['missing']\nexcept KeyError as error:\n    return repr(error)"
    # When it runs
    result = run(source)
    # Then the handler ran
    assert result == "KeyError('missing')"


def test_compile_cache_returns_the_same_object():
    # Given a source compiled once
    source = "return method == 'POST'"
    first = compile_script(source, "provider:GitHub")
    # When it is compiled again, and under another name
    again = compile_script(source, "provider:GitHub")
    other = compile_script(source, "provider:GitLab")
    # Then the same object comes back for the same name only
    assert again is first
    assert other is not first
    assert isinstance(first, CompiledScript)
    assert first.source_hash == other.source_hash
    assert len(first.source_hash) == 64
    assert other.code.co_filename == "provider:GitLab"


def test_every_public_member_of_an_allowed_module_is_given_or_withheld_for_a_reason():
    # Given the allowed modules' public members (their `__all__`, or names without `_`)
    for name in ALLOWED_MODULES:
        module = importlib.import_module(name)
        public = {
            member
            for member in getattr(module, "__all__", None) or vars(module)
            if not member.startswith("_")
            and not isinstance(getattr(module, member), types.ModuleType)
        }
        # When they are compared with what scripts get and what is withheld
        given, withheld = set(MEMBERS[name]), set(WITHHELD.get(name, {}))
        # Then each is decided once: a new member of a new Python stays out until it is listed
        assert public == given | withheld, name
        assert given & withheld == set(), name


def test_constants_are_plain_data():
    # Given the constants of the allowed modules
    constants = {
        f"{name}.{member}": value
        for name in ALLOWED_MODULES
        for member, value in module_proxy(name).members().items()
        if not callable(value)
    }
    # When their types are looked at
    kinds = {type(value) for value in constants.values()}
    # Then they are exact plain types (re.I is an int, not a RegexFlag; sets are frozen)
    assert kinds <= {str, int, float, tuple, frozenset, datetime.timezone, uuid.UUID}
    assert type(constants["re.IGNORECASE"]) is int
    assert type(constants["hashlib.algorithms_available"]) is frozenset
