"""The frames the engine accepts from a script process, as models: nothing of a frame is used
before it validated (types, sizes). Engine side only: the script process imports no pydantic."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

from webhook_engine.sandbox.names import (
    LOG_LEVELS,
    MAX_LOG_ENTRIES,
    MAX_LOG_LENGTH,
    MAX_SUMMARY_LENGTH,
)


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LogLineFrame(_Frame):
    level: Literal[LOG_LEVELS]  # type: ignore[valid-type]
    message: str = Field(max_length=MAX_LOG_LENGTH)
    at: AwareDatetime


class FailureFrame(_Frame):
    type: str = Field(max_length=100)
    message: str = Field(max_length=2000)
    line: int | None = Field(default=None, ge=1)


class ReadyFrame(_Frame):
    type: Literal["ready"]
    pid: int
    protections: dict[Annotated[str, Field(max_length=40)], bool] = Field(max_length=20)


class ResultFrame(_Frame):
    type: Literal["result"]
    id: int
    ok: bool
    truthy: bool
    logs: list[LogLineFrame] = Field(max_length=MAX_LOG_ENTRIES)
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY_LENGTH)
    error: FailureFrame | None = None


class CallFrame(_Frame):
    type: Literal["call"]
    id: int
    run: int
    target: str = Field(max_length=100)
    args: dict[str, JsonValue]


FRAMES: TypeAdapter[ReadyFrame | ResultFrame | CallFrame] = TypeAdapter(
    Annotated[ReadyFrame | ResultFrame | CallFrame, Field(discriminator="type")]
)
