"""Request and response bodies of the admin API's configuration routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from webhook_engine.config.catalog import FunctionPatch, ProviderPatch
from webhook_engine.domain.audit import Actor
from webhook_engine.domain.models import (
    Function,
    FunctionFields,
    Property,
    Provider,
    ProviderFields,
    ScriptVersion,
)
from webhook_engine.domain.ports import UnreadableItem

REDACTED = "***"


class CreateProviderRequest(ProviderFields):
    model_config = ConfigDict(extra="forbid")

    position: StrictInt | None = Field(default=None, ge=0)


class PatchProviderRequest(ProviderPatch):
    position: StrictInt | None = Field(default=None, ge=0)


class OrderRequest(BaseModel):
    ids: list[str] = Field(min_length=1)


class ProviderOut(BaseModel):
    id: str
    name: str
    description: str
    active: bool
    sync: bool
    position: int
    properties: dict[str, Property]
    match_script: str
    redirect_hosts: list[str]
    version: int
    updated_at: datetime | None
    function_count: int

    @classmethod
    def of(cls, provider: Provider, function_count: int) -> ProviderOut:
        """Secret values are never returned: they show as `***`."""
        shown = {
            name: Property(value=REDACTED, secret=True) if prop.secret else prop
            for name, prop in provider.properties.items()
        }
        data = provider.model_dump(exclude={"properties"})
        return cls(**data, properties=shown, function_count=function_count)


class UnreadableOut(BaseModel):
    """A stored item that cannot be read: left out of the configuration until it is replaced
    (PUT) or deleted."""

    kind: str
    id: str
    error: str = Field(description="What is wrong with it, by field")
    name: str | None = None

    @classmethod
    def of(cls, item: UnreadableItem) -> UnreadableOut:
        return cls(kind=item.kind, id=item.id, error=item.error, name=item.name)


class ProviderList(BaseModel):
    items: list[ProviderOut]
    unreadable: list[UnreadableOut] = Field(
        default_factory=list, description="Stored providers that cannot be read: PUT or DELETE"
    )


class CreateFunctionRequest(FunctionFields):
    model_config = ConfigDict(extra="forbid")

    provider_id: str


class PatchFunctionRequest(FunctionPatch):
    pass


class FunctionOut(Function):
    provider: str

    @classmethod
    def of(cls, function: Function, provider: str) -> FunctionOut:
        return cls(**function.model_dump(), provider=provider)


class FunctionList(BaseModel):
    items: list[FunctionOut]
    unreadable: list[UnreadableOut] = Field(
        default_factory=list, description="Stored functions that cannot be read: PUT or DELETE"
    )


class VersionOut(ScriptVersion):
    author: str | None = Field(
        default=None,
        description="Who saved it (an IAM ARN or a token's subject), from the audit trail; "
        "null when not recorded",
    )
    author_email: str | None = Field(default=None, description="The author's email, if known")


def _author(actor: Actor | None) -> dict[str, str | None]:
    if actor is None:
        return {}
    return {"author": actor.principal, "author_email": actor.email}


class VersionList(BaseModel):
    items: list[VersionOut]

    @classmethod
    def of(cls, versions: list[ScriptVersion], authors: dict[int, Actor]) -> VersionList:
        return cls(
            items=[
                VersionOut(**version.model_dump(), **_author(authors.get(version.version)))
                for version in versions
            ]
        )
