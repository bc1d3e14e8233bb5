"""What scripts get from each module they may import: an allow-list of members, written out.

A member is a function, plain data (constants are handed over as exact `str`, `int`, `float`
or `frozenset`), a class implemented in C, or an exception the module's functions raise (to be
caught). No member makes classes, and no Python-defined class is handed out: its methods run
on whatever object they are given as `self`, and it inherits `object.__getattribute__`. Where
scripts need instances of one (`uuid.UUID`, `collections.Counter`), a function makes them and
the class stays out of reach. Every other public member is withheld, with the reason, which
scripts see when they ask for it.
"""

from __future__ import annotations

import _hashlib
import collections
import importlib
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

_FLAGS = "A ASCII DOTALL I IGNORECASE L LOCALE M MULTILINE NOFLAG S U UNICODE VERBOSE X"
_MATH = (
    "acos acosh asin asinh atan atan2 atanh cbrt ceil comb copysign cos cosh degrees dist e erf "
    "erfc exp exp2 expm1 fabs factorial floor fma fmod frexp fsum gamma gcd hypot inf isclose "
    "isfinite isinf isnan isqrt lcm ldexp lgamma log log10 log1p log2 modf nan nextafter perm pi "
    "pow prod radians remainder sin sinh sqrt sumprod tan tanh tau trunc ulp"
)

MEMBERS: Mapping[str, tuple[str, ...]] = {
    module: tuple(members.split())
    for module, members in {
        "json": "loads dumps JSONDecodeError",
        "re": "compile escape findall finditer fullmatch match search split sub subn "
        "Match Pattern error PatternError " + _FLAGS,
        "hmac": "new digest compare_digest",
        "hashlib": "md5 sha1 sha224 sha256 sha384 sha512 sha3_224 sha3_256 sha3_384 sha3_512 "
        "shake_128 shake_256 blake2b blake2s new pbkdf2_hmac "
        "algorithms_available algorithms_guaranteed",
        "base64": "b64encode b64decode standard_b64encode standard_b64decode urlsafe_b64encode "
        "urlsafe_b64decode b32encode b32decode b32hexencode b32hexdecode b16encode b16decode "
        "a85encode a85decode b85encode b85decode z85encode z85decode encodebytes decodebytes",
        "binascii": "a2b_base64 b2a_base64 a2b_hex b2a_hex hexlify unhexlify a2b_qp b2a_qp "
        "a2b_uu b2a_uu crc32 crc_hqx Error Incomplete",
        "datetime": "date datetime time timedelta timezone UTC MINYEAR MAXYEAR",
        "time": "time time_ns monotonic monotonic_ns perf_counter perf_counter_ns process_time "
        "process_time_ns thread_time thread_time_ns gmtime localtime mktime strftime strptime "
        "asctime ctime sleep struct_time timezone altzone daylight tzname",
        "math": _MATH,
        "urllib.parse": "quote quote_plus quote_from_bytes unquote unquote_plus unquote_to_bytes "
        "urlencode parse_qs parse_qsl urlparse urlsplit urlunparse urlunsplit urljoin urldefrag",
        "uuid": "UUID uuid3 uuid4 uuid5 NAMESPACE_DNS NAMESPACE_URL NAMESPACE_OID NAMESPACE_X500 "
        "RESERVED_NCS RFC_4122 RESERVED_MICROSOFT RESERVED_FUTURE",
        "collections": "Counter OrderedDict defaultdict deque",
        "itertools": "accumulate batched chain combinations combinations_with_replacement compress "
        "count cycle dropwhile filterfalse groupby islice pairwise permutations product repeat "
        "starmap takewhile tee zip_longest",
        "functools": "reduce cmp_to_key partial",
        "string": "ascii_letters ascii_lowercase ascii_uppercase digits hexdigits octdigits "
        "printable punctuation whitespace capwords",
    }.items()
}


def _each(names: str, reason: str) -> dict[str, str]:
    return dict.fromkeys(names.split(), reason)


_CLASSES = "a Python-defined class"
_FILES = "reads or writes file objects; scripts have none"
_PROCESS = "changes the state of the whole process"
_CLOCKS = "the host's clocks; monotonic, perf_counter and process_time cover scripts"
_WRAPPER = "copies the wrapped callable's attributes onto its wrapper"
_DESCRIPTOR = "a descriptor for class bodies; scripts define no classes"
WITHHELD: Mapping[str, Mapping[str, str]] = {
    "json": {
        "load": _FILES + ": use loads",
        "dump": _FILES + ": use dumps",
        "JSONDecoder": _CLASSES + ": use loads",
        "JSONEncoder": _CLASSES + ": use dumps",
    },
    "re": {"RegexFlag": "an Enum class: the flags are plain ints", "purge": _PROCESS},
    "hmac": {
        "HMAC": _CLASSES + ": new returns OpenSSL's HMAC object",
        "digest_size": "a legacy constant, always None",
        **_each("trans_36 trans_5C", "a table internal to the pure-Python HMAC"),
    },
    "hashlib": {"file_digest": _FILES},
    "base64": _each("encode decode", _FILES),
    "datetime": {"tzinfo": "a base for classes; scripts define none: use timezone"},
    "time": {
        **_each("tzset clock_settime clock_settime_ns", _PROCESS),
        **_each(
            "clock_gettime clock_gettime_ns clock_getres get_clock_info pthread_getcpuclockid "
            "CLOCK_BOOTTIME CLOCK_MONOTONIC CLOCK_MONOTONIC_RAW CLOCK_PROCESS_CPUTIME_ID "
            "CLOCK_REALTIME CLOCK_TAI CLOCK_THREAD_CPUTIME_ID",
            _CLOCKS,
        ),
    },
    "urllib.parse": _each(
        "ParseResult ParseResultBytes SplitResult SplitResultBytes DefragResult DefragResultBytes",
        _CLASSES + ": urlparse, urlsplit and urldefrag return its instances",
    ),
    "uuid": {
        "Enum": "makes classes",
        "SafeUUID": "an Enum class",
        "bytes_": "the builtin bytes",
        "int_": "the builtin int",
        **_each("getnode uuid1", "may run a subprocess to find the MAC address"),
        "main": "a command-line entry point",
    },
    "collections": {
        "namedtuple": "makes classes: use a dict or a tuple",
        "ChainMap": _CLASSES + ": merge dicts with |",
        "UserDict": _CLASSES + " to subclass: use dict",
        "UserList": _CLASSES + " to subclass: use list",
        "UserString": _CLASSES + " to subclass: use str",
    },
    "functools": {
        **_each("lru_cache cache", _WRAPPER + ": memoise with a dict"),
        **_each("update_wrapper wraps", "writes attributes onto any object"),
        **_each("WRAPPER_ASSIGNMENTS WRAPPER_UPDATES", "a constant of update_wrapper"),
        "total_ordering": "adds methods to a class; scripts define none",
        **_each("partialmethod cached_property", _DESCRIPTOR),
        **_each("singledispatch singledispatchmethod", "evaluates string annotations as code"),
    },
    "string": {
        "Template": _CLASSES + ": use f-strings or %",
        "Formatter": "reads attributes named in format strings: use f-strings or %",
    },
}


def UUID(  # named as the class it stands for, its parameters as the class's
    hex: str | None = None,
    bytes: bytes | None = None,
    bytes_le: bytes | None = None,
    fields: tuple[int, int, int, int, int, int] | None = None,
    int: int | None = None,
    version: int | None = None,
) -> uuid.UUID:
    """`uuid.UUID(...)`: a UUID from its text, bytes, fields or number."""
    return uuid.UUID(hex, bytes, bytes_le, fields, int, version)


def Counter(  # named as the class it stands for
    iterable: Iterable[Any] | Mapping[Any, int] | None = None, /, **counts: int
) -> collections.Counter[Any]:
    """`collections.Counter(...)`: counts of the items of `iterable`, or the counts given."""
    return collections.Counter(iterable, **counts)


# Members scripts get in place of the module's own: C objects instead of Python-defined ones,
# makers instead of classes, the uncached function instead of its process-wide cache.
_REPLACED: Mapping[tuple[str, str], object] = {
    ("hmac", "new"): _hashlib.hmac_new,
    ("hmac", "digest"): _hashlib.hmac_digest,
    ("uuid", "UUID"): UUID,
    ("collections", "Counter"): Counter,
    ("urllib.parse", "urlsplit"): urllib.parse.urlsplit.__wrapped__,  # type: ignore[attr-defined]
}


def script_members(module: str) -> dict[str, object]:
    """The members scripts get from `module` (one of MEMBERS), by name."""
    real = importlib.import_module(module)
    return {
        name: _REPLACED[module, name]
        if (module, name) in _REPLACED
        else _plain(getattr(real, name))
        for name in MEMBERS[module]
    }


def withheld_reason(module: str, name: str) -> str | None:
    """Why `module.name` is withheld from scripts, when it is a public member of the module."""
    return WITHHELD.get(module, {}).get(name)


def _plain(value: object) -> object:
    """Constants as exact plain types: `re.I` an int, not a RegexFlag; sets frozen."""
    for kind in (str, float):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, set):
        return frozenset(value)
    return value
