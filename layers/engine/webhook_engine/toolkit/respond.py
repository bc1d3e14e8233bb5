"""`respond(status=200, body=None, headers=None)`: a script's synchronous answer, checked.

A str body is sent as text, any other JSON value as JSON (numbers JSON cannot carry, NaN and
infinity, are refused); bytes are not JSON data, so a binary answer is not possible. Headers
that would corrupt the answer's framing are refused, and so is a body with 204 or 304, which
carry none.
"""

from __future__ import annotations

import json
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator
from pydantic import ValidationError as InvalidArguments

from webhook_engine.domain.errors import describe
from webhook_engine.domain.models import SyncAnswer
from webhook_engine.toolkit.errors import ActionError, ActionLimitError
from webhook_engine.toolkit.headers import NAME, VALUE

MAX_ANSWER_BYTES = 1_048_576
MAX_HEADERS = 20
RECORDED_BODY = 8_192  # characters of an answer's body kept with its execution
_BODILESS = frozenset({204, 304})
# Framing is API Gateway's to set: a script's value would corrupt or split the answer.
_FRAMING = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer"}
)


class RespondCall(BaseModel):
    """The arguments of one `respond` call."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: int = Field(default=200, ge=200, le=599)
    body: JsonValue = None
    headers: dict[str, str] | None = Field(default=None, max_length=MAX_HEADERS)

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, headers: dict[str, str] | None) -> dict[str, str] | None:
        seen: set[str] = set()
        for name, value in (headers or {}).items():
            if not NAME.fullmatch(name) or name.lower() in _FRAMING:
                raise ValueError(f"header {name[:100]!r} cannot be set")
            if name.lower() in seen:
                raise ValueError(f"header {name!r} is given twice")
            if len(value) > 4096 or not VALUE.fullmatch(value):
                raise ValueError(
                    f"header {name!r}: over 4,096 characters, or control or non-Latin-1 ones"
                )
            seen.add(name.lower())
        return headers

    @model_validator(mode="after")
    def _body_allowed(self) -> Self:
        if self.status in _BODILESS and self.body is not None:
            raise ValueError(f"a {self.status} answer carries no body")
        return self


def sync_answer(args: dict[str, JsonValue]) -> SyncAnswer:
    """The answer a `respond` call asks for; ActionError when its arguments are unusable."""
    try:
        call = RespondCall.model_validate(args)
    except InvalidArguments as error:
        raise ActionError(f"respond: {describe(error)}") from None
    headers = {name.lower(): value for name, value in (call.headers or {}).items()}
    if call.body is None:
        body = ""
    elif isinstance(call.body, str):
        body = call.body
        headers.setdefault("content-type", "text/plain; charset=utf-8")
    else:
        try:
            body = json.dumps(call.body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise ActionError(
                "respond: body holds a number JSON cannot carry (NaN or infinity)"
            ) from None
        headers.setdefault("content-type", "application/json")
    # Measured as the Lambda response carries it (JSON-escaped), which must stay under 6 MB.
    if len(json.dumps(body)) > MAX_ANSWER_BYTES:
        raise ActionLimitError(f"respond: body over {MAX_ANSWER_BYTES:,} bytes (limit)")
    return SyncAnswer(status=call.status, headers=headers, body=body)


def recorded(answer: SyncAnswer) -> SyncAnswer:
    """The copy kept with the execution: the body cut to RECORDED_BODY characters."""
    return answer.model_copy(update={"body": answer.body[:RECORDED_BODY]})
