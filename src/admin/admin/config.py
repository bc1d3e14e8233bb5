"""Routes: the configuration as a document (export, declarative apply) and dry runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from admin.deps import dry_run_limits
from webhook_engine import wiring
from webhook_engine.config.apply import Plan, apply_config
from webhook_engine.config.document import ConfigDocument
from webhook_engine.operations.dry_run import DryRunRequest, DryRunResult, dry_run

router = APIGatewayHttpRouter()


@router.get("/config", summary="Export the configuration (no secret values)")
def export_config(
    format: Annotated[Literal["json", "yaml"], Query()] = "json",
) -> Response[Any]:
    store = wiring.config_store()
    document = ConfigDocument.export(store.list_providers(), store.list_functions())
    if format == "yaml":
        return Response(status_code=200, content_type="application/yaml", body=document.to_yaml())
    body = document.model_dump(mode="json", exclude_none=True)
    return Response(status_code=200, content_type="application/json", body=body)


@router.put(
    "/config",
    summary="Apply a configuration document (JSON, or YAML with content-type application/yaml)",
)
def put_config(
    dry_run: Annotated[bool, Query(description="Only show the plan")] = False,
    prune: Annotated[bool, Query(description="Delete what the document lacks")] = False,
) -> Plan:
    document = ConfigDocument.from_text(router.current_event.decoded_body or "")
    return apply_config(document, prune=prune, dry_run=dry_run)


@router.post("/test", summary="Dry-run a request against stored or draft scripts")
def test_request(request: Annotated[DryRunRequest, Body()]) -> DryRunResult:
    return dry_run(request, wiring.config_store(), wiring.secret_store(), dry_run_limits())
