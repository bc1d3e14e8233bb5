"""Credentials senders put in headers and query strings, masked wherever a message is shown.

The stored message keeps them intact, because a resubmission checks its signature again;
views and logs show `***` instead. A name is sensitive when it says what it carries
(`authorization`, `x-hub-signature-256`, `stripe-signature`, `x-gitlab-token`, `api_key`...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote_plus

MASK = "***"
_SENSITIVE = re.compile(
    r"auth|token|secret|signature|hmac|passw|api[-_]?key|credential|session|cookie|private",
    re.IGNORECASE,
)
_SENSITIVE_QUERY_NAMES = frozenset({"key", "sig", "code", "pass", "pwd", "jwt"})


def is_sensitive_header(name: str) -> bool:
    return bool(_SENSITIVE.search(name))


def is_sensitive_parameter(name: str) -> bool:
    return name.lower() in _SENSITIVE_QUERY_NAMES or bool(_SENSITIVE.search(name))


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: MASK if is_sensitive_header(name) else value for name, value in headers.items()}


def mask_parameters[V](query: Mapping[str, V], mask: V) -> dict[str, V]:
    """Query parameters with the values of sensitive ones replaced by `mask`."""
    return {name: mask if is_sensitive_parameter(name) else value for name, value in query.items()}


def mask_query_string(query_string: str) -> str:
    """The raw query string with sensitive values masked; everything else kept byte for byte."""
    return "&".join(_mask_pair(pair) for pair in query_string.split("&")) if query_string else ""


def _mask_pair(pair: str) -> str:
    name, separator, _value = pair.partition("=")
    if separator and is_sensitive_parameter(unquote_plus(name)):
        return f"{name}={MASK}"
    return pair
