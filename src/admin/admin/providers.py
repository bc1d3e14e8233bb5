"""Routes: providers, in evaluation order."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from admin.models import (
    CreateProviderRequest,
    OrderRequest,
    PatchProviderRequest,
    ProviderList,
    ProviderOut,
    UnreadableOut,
    VersionList,
)
from admin.responses import created, no_content
from admin.services import services
from admin.trail import authors, record
from webhook_engine.domain.models import Provider

router = APIGatewayHttpRouter()


def _out(provider: Provider) -> ProviderOut:
    return ProviderOut.of(provider, services().catalog.function_counts().get(provider.id, 0))


def _recorded(action: str, provider: Provider) -> ProviderOut:
    record(f"provider.{action}", f"provider:{provider.id}", version=provider.version)
    return _out(provider)


def _list(providers: list[Provider]) -> ProviderList:
    counts = services().catalog.function_counts()
    unreadable = services().config.unreadable()
    return ProviderList(
        items=[ProviderOut.of(p, counts.get(p.id, 0)) for p in providers],
        unreadable=[UnreadableOut.of(u) for u in unreadable if u.kind == "provider"],
    )


@router.get("/providers", summary="Providers in evaluation order")
def list_providers() -> ProviderList:
    return _list(services().config.list_providers())


@router.post("/providers", summary="Create a provider")
def create_provider(request: Annotated[CreateProviderRequest, Body()]) -> Response[ProviderOut]:
    return created(
        _recorded("create", services().catalog.create_provider(request, request.position))
    )


@router.put("/providers/order", summary="Set the evaluation order")
def order_providers(request: Annotated[OrderRequest, Body()]) -> ProviderList:
    ordered = services().catalog.reorder(request.ids)
    record("providers.order", "providers", detail=", ".join(p.name for p in ordered))
    return _list(ordered)


@router.get("/providers/<provider_id>", summary="One provider")
def get_provider(provider_id: Annotated[str, Path()]) -> ProviderOut:
    return _out(services().config.get_provider(provider_id))


@router.put("/providers/<provider_id>", summary="Replace a provider")
def replace_provider(
    provider_id: Annotated[str, Path()], request: Annotated[CreateProviderRequest, Body()]
) -> ProviderOut:
    replaced = services().catalog.replace_provider(provider_id, request, request.position)
    return _recorded("replace", replaced)


@router.patch("/providers/<provider_id>", summary="Change some fields of a provider")
def patch_provider(
    provider_id: Annotated[str, Path()], request: Annotated[PatchProviderRequest, Body()]
) -> ProviderOut:
    return _recorded(
        "patch", services().catalog.patch_provider(provider_id, request, request.position)
    )


@router.delete(
    "/providers/<provider_id>", summary="Delete a provider (cascade=true: and its functions)"
)
def delete_provider(
    provider_id: Annotated[str, Path()], cascade: Annotated[bool, Query()] = False
) -> Response[None]:
    services().catalog.delete_provider(provider_id, cascade)
    record("provider.delete", f"provider:{provider_id}", detail="cascade" if cascade else None)
    return no_content()


@router.get("/providers/<provider_id>/versions", summary="Saved versions of the match script")
def provider_versions(provider_id: Annotated[str, Path()]) -> VersionList:
    store = services().config
    store.get_provider(provider_id)
    return VersionList.of(store.list_versions(provider_id), authors(f"provider:{provider_id}"))
