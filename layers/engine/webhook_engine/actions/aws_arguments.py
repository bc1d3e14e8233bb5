"""What the arguments of `aws` actions may be: strict text and JSON types, and the services'
own size limits, checked before any request is made.

Errors are ValueErrors naming the argument's problem, never its value: `actions/aws.py` turns
them into the ActionError the script sees.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints

KIB = 1024
# The services' own limits, in UTF-8 bytes (a larger request is refused before it is sent).
EVENT_ENTRY_LIMIT = 256 * KIB  # EventBridge: source + detail type + detail of one entry
MESSAGE_LIMIT = 256 * KIB  # SQS message body, SNS message
EXECUTION_INPUT_LIMIT = 256 * KIB  # Step Functions execution input
ASYNC_PAYLOAD_LIMIT = 256 * KIB  # Lambda, invocation type Event
SYNC_PAYLOAD_LIMIT = 6 * KIB * KIB  # Lambda, invocation type RequestResponse
ENV_VARIABLES_LIMIT = 50  # start_build's env entries


@dataclass(frozen=True)
class SizeLimit:
    """The part of a call that a service limits in size: `what` is the argument (or the
    entry) as the error names it, `of` what the limit applies to, e.g. "SQS messages"."""

    what: str
    text: str
    limit: int
    of: str

    @property
    def size(self) -> int:
        return len(self.text.encode())

    def check(self) -> None:
        if self.size > self.limit:
            raise ValueError(
                f"{self.what} is {self.size:,} bytes, over the {self.limit:,}-byte limit of "
                f"{self.of}"
            )


def _encodable(text: str) -> str:
    """Text that is valid Unicode (JSON may carry lone surrogates, which AWS cannot take)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode (a lone surrogate)") from None
    return text


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line")
    return _encodable(text)


def _subject(text: str) -> str:
    """SNS: up to 100 printable ASCII characters, starting with a visible one."""
    if not re.fullmatch(r"[!-~][ -~]{0,99}", text):
        raise ValueError("must be 1 to 100 printable ASCII characters, not starting with a space")
    return text


def _env_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", name):
        raise ValueError(f"{name!r} is not a variable name")
    if name.startswith("CODEBUILD_"):
        raise ValueError(f"{name} starts with CODEBUILD_, which CodeBuild keeps for itself")
    return name


def _json_text(value: object) -> object:
    """A dict or list as compact JSON text; a str must already be JSON text."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except (ValueError, RecursionError):
            raise ValueError(
                "a str must be JSON text (pass a dict or a list to encode it)"
            ) from None
        return value
    if not isinstance(value, dict | list):
        raise ValueError("must be a dict, a list or JSON text")
    return _dumps(value)


def _json_object_text(value: object) -> object:
    """An EventBridge detail: a JSON object, as a dict or as text."""
    text = _json_text(value)
    if not isinstance(json.loads(str(text)), dict):
        raise ValueError("must be a JSON object (a dict)")
    return text


def _text_or_json(value: object) -> object:
    """A message body: a str as it is, a dict or a list as JSON."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict | list):
        raise ValueError("must be a str, a dict or a list")
    return _dumps(value)


def _dumps(value: dict[Any, Any] | list[Any]) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise ValueError("not JSON (NaN, infinity, nesting too deep or another type)") from None


type Name = Annotated[
    str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_encodable)
]
type Line = Annotated[
    str, StringConstraints(min_length=1, max_length=256), AfterValidator(_one_line)
]
type Subject = Annotated[str, AfterValidator(_subject)]
type JsonText = Annotated[str, BeforeValidator(_json_text), AfterValidator(_encodable)]
type JsonObjectText = Annotated[str, BeforeValidator(_json_object_text), AfterValidator(_encodable)]
type Body = Annotated[str, BeforeValidator(_text_or_json), AfterValidator(_encodable)]
type EnvName = Annotated[str, AfterValidator(_env_name)]
type EnvValue = Annotated[str, StringConstraints(max_length=4096), AfterValidator(_encodable)]
