"""Time-ordered identifiers (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32)."""

import secrets
import time
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80


def new_id(now_ms: int | None = None) -> str:
    """A 26-character id that sorts by creation time."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    return _encode((millis << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS))


def id_bounds(moment: datetime) -> tuple[str, str]:
    """The first and the last id of `moment`'s millisecond."""
    millis = int(moment.timestamp() * 1000) << _RANDOM_BITS
    return _encode(millis), _encode(millis | ((1 << _RANDOM_BITS) - 1))


def _encode(value: int) -> str:
    chars = []
    for _ in range(26):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))
