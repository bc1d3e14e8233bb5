"""Routes: the configuration as a document (export, declarative apply) and dry runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from admin.auth import require
from admin.dry_runs import DryRunRequest, DryRunResult
from admin.roles import EDITOR
from admin.services import caller, services
from admin.trail import record
from webhook_engine.config.apply import Plan, apply_config
from webhook_engine.config.document import ConfigDocument, FunctionDocument, ProviderDocument
from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import Function, Property, Provider
from webhook_engine.observability import logger
from webhook_engine.operations.dry_run import dry_run, secrets_left_out

router = APIGatewayHttpRouter()


@router.get("/config", summary="Export the configuration (no secret values)")
def export_config(
    format: Annotated[Literal["json", "yaml"], Query()] = "json",
) -> Response[Any]:
    store = services().config
    document = export_document(store.list_providers(), store.list_functions())
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
    text = router.current_event.decoded_body or ""
    if text.strip() in ("", "null"):
        raise InvalidRequestError("a configuration document is required (JSON or YAML)")
    document = ConfigDocument.from_text(text)
    found = services()
    plan = apply_config(document, found.config, found.secrets, prune=prune, dry_run=dry_run)
    if plan.applied:
        _record(plan, found.config.list_providers(), found.config.list_functions())
    return plan


@router.post(
    "/test",
    summary="Dry-run a request against stored or draft scripts",
    description="Against the stored scripts: operator. With a draft (`config`) or "
    "`inherit_secrets`: editor (403 otherwise).",
)
def test_request(request: Annotated[DryRunRequest, Body()]) -> DryRunResult:
    if request.config is not None or request.inherit_secrets:
        require(caller(), EDITOR)
    draft = None if request.config is None else ConfigDocument.parse(request.config)
    left_out = [] if draft is None else secrets_left_out(draft)
    inherit = request.inherit_secrets and bool(left_out)
    if inherit:
        logger.warning(
            "dry run lends stored secrets to a draft",
            caller=f"{caller().principal} from {caller().source_ip or 'an unknown address'}",
            secrets=left_out,
        )
        record("test.inherit_secrets", "test", detail=", ".join(left_out))
    found = services()
    result = dry_run(
        request.incoming(),
        draft,
        found.config,
        found.secrets,
        found.dry_run_limits,
        found.toolkit,
        inherit_secrets=inherit,
    )
    return DryRunResult.of(result, [] if inherit else left_out)


def _record(plan: Plan, providers: list[Provider], functions: list[Function]) -> None:
    """One entry per change an applied document made, with the version it produced."""
    names = {provider.id: provider.name for provider in providers}
    stored: dict[tuple[str, ...], Provider | Function] = {
        **{(provider.name,): provider for provider in providers},
        **{(names.get(f.provider_id, ""), f.name): f for f in functions},
    }
    for change in plan.changes:
        key = (change.provider, change.name) if change.provider else (change.name,)
        item = stored.get(key) if change.action in ("create", "update") else None
        target = f"{change.kind}:{item.id}" if item else f"{change.kind}:{'/'.join(key)}"
        version = item.version if item else None
        record(f"{change.kind}.{change.action}", target, version=version, detail="PUT /config")


def export_document(providers: list[Provider], functions: list[Function]) -> ConfigDocument:
    """The stored configuration as a document; secret values are never included."""
    return ConfigDocument(
        providers=[
            ProviderDocument(
                **provider.model_dump(
                    include={
                        "name",
                        "description",
                        "active",
                        "sync",
                        "match_script",
                        "deduplicate",
                        "redirect_hosts",
                    }
                ),
                properties={
                    name: Property(secret=True) if prop.secret else prop
                    for name, prop in provider.properties.items()
                },
                functions=[
                    FunctionDocument(
                        **function.model_dump(
                            include={"name", "uri", "active", "sync", "description", "script"}
                        )
                    )
                    for function in functions
                    if function.provider_id == provider.id
                ],
            )
            for provider in sorted(providers, key=lambda provider: provider.position)
        ]
    )
