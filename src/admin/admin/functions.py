"""Routes: functions of providers."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from admin.models import (
    CreateFunctionRequest,
    FunctionList,
    FunctionOut,
    PatchFunctionRequest,
    UnreadableOut,
    VersionList,
)
from admin.responses import created, no_content
from admin.services import services
from admin.trail import authors, record
from webhook_engine.domain.models import Function

router = APIGatewayHttpRouter()


def _out(function: Function) -> FunctionOut:
    return FunctionOut.of(function, services().config.get_provider(function.provider_id).name)


def _recorded(action: str, function: Function) -> FunctionOut:
    record(f"function.{action}", f"function:{function.id}", version=function.version)
    return _out(function)


@router.get("/functions", summary="Functions, optionally of one provider (id or name)")
def list_functions(provider: Annotated[str | None, Query()] = None) -> FunctionList:
    store = services().config
    names = {p.id: p.name for p in store.list_providers()}
    functions = services().catalog.functions(provider)
    unreadable = [UnreadableOut.of(u) for u in store.unreadable() if u.kind == "function"]
    return FunctionList(
        items=[FunctionOut.of(f, names.get(f.provider_id, "")) for f in functions],
        unreadable=unreadable,
    )


@router.post("/functions", summary="Create a function")
def create_function(request: Annotated[CreateFunctionRequest, Body()]) -> Response[FunctionOut]:
    return created(
        _recorded("create", services().catalog.create_function(request.provider_id, request))
    )


@router.get("/functions/<function_id>", summary="One function")
def get_function(function_id: Annotated[str, Path()]) -> FunctionOut:
    return _out(services().config.get_function(function_id))


@router.put("/functions/<function_id>", summary="Replace a function (its provider cannot change)")
def replace_function(
    function_id: Annotated[str, Path()], request: Annotated[CreateFunctionRequest, Body()]
) -> FunctionOut:
    replaced = services().catalog.replace_function(function_id, request.provider_id, request)
    return _recorded("replace", replaced)


@router.patch("/functions/<function_id>", summary="Change some fields of a function")
def patch_function(
    function_id: Annotated[str, Path()], request: Annotated[PatchFunctionRequest, Body()]
) -> FunctionOut:
    return _recorded("patch", services().catalog.patch_function(function_id, request))


@router.delete("/functions/<function_id>", summary="Delete a function")
def delete_function(function_id: Annotated[str, Path()]) -> Response[None]:
    services().catalog.delete_function(function_id)
    record("function.delete", f"function:{function_id}")
    return no_content()


@router.get("/functions/<function_id>/versions", summary="Saved versions of the script")
def function_versions(function_id: Annotated[str, Path()]) -> VersionList:
    store = services().config
    store.get_function(function_id)
    return VersionList.of(store.list_versions(function_id), authors(f"function:{function_id}"))
