"""`POST /test`: the request and answer of a dry run, around the engine's `dry_run`."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, StrictBool

from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import (
    ActionRecord,
    Evaluation,
    Execution,
    IncomingRequest,
    SyncAnswer,
)
from webhook_engine.domain.uris import normalise_uri
from webhook_engine.pipeline.matching import Result


class DryRunRequest(BaseModel):
    method: str = "POST"
    uri: str = Field(min_length=1)
    query: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    body_base64: str | None = None
    config: dict[str, Any] | None = Field(
        default=None, description="A draft configuration document used instead of the stored one"
    )
    inherit_secrets: StrictBool = Field(
        default=False,
        description="Let a draft provider use the stored secret values of the stored provider "
        "with the same name, for secret properties the draft gives no value. Recorded, with "
        "the caller, in the admin function's log",
    )

    def incoming(self) -> IncomingRequest:
        """The request as ingest would have stored it."""
        return IncomingRequest(
            request_id="dry-run",
            method=self.method.upper(),
            uri=normalise_uri(self.uri),
            query_string=self.query.lstrip("?"),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._body(),
            source_ip="127.0.0.1",
            received_at=datetime.now(UTC),
        )

    def _body(self) -> bytes:
        if self.body_base64 is not None:
            try:
                return base64.b64decode(self.body_base64, validate=True)
            except (binascii.Error, ValueError) as error:  # ValueError: not ASCII
                raise InvalidRequestError("body_base64: not valid base64") from error
        return (self.body or "").encode("utf-8")


class DryRunAction(ActionRecord):
    function: str


class DryRunResult(BaseModel):
    status: str
    provider: str | None
    message: str | None
    reason: str | None = Field(
        default=None,
        description="Why it would not succeed: each provider tried and its answer, or the "
        "functions that failed",
    )
    evaluations: list[Evaluation]
    executions: list[Execution]
    secrets_left_out: list[str] = Field(
        default_factory=list,
        description="`provider/NAME` of the draft's secret properties without a value: empty "
        "strings in this run, unless inherit_secrets",
    )
    actions: list[DryRunAction] = Field(
        default_factory=list,
        description="Every `http`, `aws` and `respond` call of the functions, in order: "
        "checked and recorded as `would call`, never performed",
    )
    response: SyncAnswer | None = Field(
        default=None,
        description="The answer a synchronous sender would get from a script's `respond`",
    )

    @classmethod
    def of(cls, result: Result, secrets_left_out: list[str]) -> DryRunResult:
        actions = [
            DryRunAction(function=execution.function, **record.model_dump())
            for execution in result.executions
            for record in execution.actions
        ]
        return cls(
            status=result.status.value,
            provider=result.provider,
            message=result.summary,
            reason=result.reason,
            evaluations=result.evaluations,
            executions=result.executions,
            secrets_left_out=secrets_left_out,
            actions=actions,
            response=result.answer,
        )
