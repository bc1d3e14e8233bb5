"""The rules every write of a provider or a function follows, whichever path it takes.

The admin API (catalog.py) and configuration files (apply.py) both turn what an operator asked
for into the item to store here: its script must compile, its version goes up when its script
changes, its properties follow one plan (properties.py), and its URI is normalised by the model.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from webhook_engine.actions.addresses import parse_allowed
from webhook_engine.config.properties import PropertyPlan, plan_properties
from webhook_engine.domain.errors import ConflictError, InvalidRequestError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Function, FunctionFields, Provider, ProviderFields
from webhook_engine.sandbox import ScriptCompileError, compile_script

_PROVIDER_FIELDS = (
    "name",
    "description",
    "active",
    "sync",
    "properties",
    "match_script",
    "deduplicate",
    "redirect_hosts",
)
_FUNCTION_FIELDS = ("name", "uri", "active", "sync", "description", "script")


@dataclass(frozen=True)
class Revision[T: BaseModel]:
    """The item to store and what differs from the stored one (nothing for a new item)."""

    item: T
    new: bool
    changed: list[str] = field(default_factory=list)
    properties: PropertyPlan = field(default_factory=PropertyPlan)

    @property
    def needs_write(self) -> bool:
        return self.new or bool(self.changed)


def check_script(source: str, what: str) -> None:
    """Compile a script now so that errors surface on save, naming the line."""
    try:
        compile_script(source, what)
    except ScriptCompileError as error:
        raise InvalidRequestError(f"{what}: {error.message}") from error


def check_redirect_hosts(hosts: list[str], what: str) -> None:
    """Each entry is `host` or `host:port`, as `respond` compares a Location's host."""
    for entry in hosts:
        try:
            parse_allowed(entry)
        except ValueError as error:
            raise InvalidRequestError(f"{what} redirect_hosts: {error}") from None


def require_free_name(name: str, taken: Collection[str], what: str) -> None:
    """Names are unique among providers, and among the functions of one provider."""
    if name in taken:
        raise ConflictError(f"{what} named {name} already exists")


def revise_provider(
    current: Provider | None,
    fields: ProviderFields,
    *,
    position: int,
    stored_secrets: Mapping[str, str],
    now: datetime,
) -> Revision[Provider]:
    """The provider `fields` describe, as it replaces `current` (None: a new provider)."""
    check_script(fields.match_script, f"provider {fields.name} match_script")
    check_redirect_hosts(fields.redirect_hosts, f"provider {fields.name}")
    properties = plan_properties(
        current.properties if current else {}, fields.properties, stored_secrets
    )
    wanted = Provider(
        **fields.model_dump(include=set(_PROVIDER_FIELDS) - {"properties"}),
        id=current.id if current else new_id(),
        properties=properties.kept,
        position=position,
        version=current.version if current else 1,
        updated_at=now,
    )
    if current is None:
        return Revision(wanted, new=True, properties=properties)
    changed = _changed(current, wanted, _PROVIDER_FIELDS)
    if properties.secrets_changed:
        changed.append("secrets")
    return _revision(current, wanted, changed, "match_script", properties)


def revise_function(
    current: Function | None, fields: FunctionFields, *, provider_id: str, now: datetime
) -> Revision[Function]:
    """The function `fields` describe, as it replaces `current` (None: a new function)."""
    check_script(fields.script, f"function {fields.name} script")
    wanted = Function(
        **fields.model_dump(include=set(_FUNCTION_FIELDS)),
        id=current.id if current else new_id(),
        provider_id=provider_id,
        version=current.version if current else 1,
        updated_at=now,
    )
    if current is None:
        return Revision(wanted, new=True)
    return _revision(current, wanted, _changed(current, wanted, _FUNCTION_FIELDS), "script")


def _revision[T: Provider | Function](
    current: T,
    wanted: T,
    changed: list[str],
    script_field: str,
    properties: PropertyPlan | None = None,
) -> Revision[T]:
    """A new script is a new version; an unchanged item keeps its time of last change."""
    if script_field in changed:
        wanted.version = current.version + 1
    if not changed:
        wanted.updated_at = current.updated_at
    return Revision(wanted, new=False, changed=changed, properties=properties or PropertyPlan())


def _changed(current: BaseModel, wanted: BaseModel, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if getattr(current, name) != getattr(wanted, name)]
