"""`POST /test`: run a sample request against stored or draft scripts, storing nothing."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel, Field

from webhook_engine.config.apply import check_scripts
from webhook_engine.config.document import ConfigDocument
from webhook_engine.config.snapshot import RuntimeConfig, resolve_props
from webhook_engine.domain.errors import ValidationError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Evaluation, Execution, Function, IncomingRequest, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore
from webhook_engine.pipeline.matching import Limits, process_request


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


class DryRunResult(BaseModel):
    status: str
    provider: str | None
    message: str | None
    evaluations: list[Evaluation]
    executions: list[Execution]
    actions: list[dict[str, Any]] = Field(
        default_factory=list, description="Actions scripts asked for: recorded, not performed"
    )


def dry_run(
    request: DryRunRequest, store: ConfigStore, secrets: SecretStore, limits: Limits
) -> DryRunResult:
    incoming = IncomingRequest(
        request_id="dry-run",
        method=request.method.upper(),
        uri=request.uri.strip().strip("/"),
        query_string=request.query.lstrip("?"),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=_body(request),
        source_ip="127.0.0.1",
        received_at=datetime.now(UTC),
    )
    stored = store.list_providers()
    if request.config is None:
        runtime = RuntimeConfig.build(stored, store.list_functions())
    else:
        runtime = _draft(ConfigDocument.parse(request.config), stored)

    result = process_request(
        incoming, "dry-run", 1, runtime, partial(resolve_props, secrets=secrets), limits
    )
    return DryRunResult(
        status=result.status.value,
        provider=result.provider,
        message=result.summary,
        evaluations=result.evaluations,
        executions=result.executions,
    )


def _body(request: DryRunRequest) -> bytes:
    if request.body_base64 is not None:
        try:
            return base64.b64decode(request.body_base64, validate=True)
        except binascii.Error as error:
            raise ValidationError("body_base64: not valid base64") from error
    return (request.body or "").encode("utf-8")


def _draft(document: ConfigDocument, stored: list[Provider]) -> RuntimeConfig:
    """Draft providers reuse stored ids by name, so stored secrets fill secret values left out."""
    check_scripts(document)
    ids = {provider.name: provider.id for provider in stored}
    providers, functions = [], []
    for position, spec in enumerate(document.providers):
        provider_id = ids.get(spec.name, new_id())
        providers.append(
            Provider(
                id=provider_id,
                name=spec.name,
                active=spec.active,
                position=position,
                properties=spec.properties,
                match_script=spec.match_script,
            )
        )
        functions += [
            Function(
                id=new_id(),
                provider_id=provider_id,
                **item.model_dump(),
            )
            for item in spec.functions
        ]
    return RuntimeConfig.build(providers, functions)
