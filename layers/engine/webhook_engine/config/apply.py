"""Apply a configuration document declaratively, by name (DESIGN section 4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from webhook_engine import wiring
from webhook_engine.config.document import ConfigDocument, FunctionDocument, ProviderDocument
from webhook_engine.config.properties import PropertyPlan, forget_secrets, plan_properties
from webhook_engine.domain.errors import ValidationError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Function, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore
from webhook_engine.sandbox import ScriptCompileError, compile_script

Action = Literal["create", "update", "delete", "reorder"]


class Change(BaseModel):
    action: Action
    kind: Literal["provider", "function"]
    name: str
    provider: str | None = None
    fields: list[str] = []


class Plan(BaseModel):
    """What applying a document changes (or changed)."""

    changes: list[Change] = []
    applied: bool = False

    @property
    def empty(self) -> bool:
        return not self.changes


@dataclass
class _Writes:
    providers: list[Provider] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    properties: list[tuple[str, PropertyPlan]] = field(default_factory=list)
    deleted_providers: list[Provider] = field(default_factory=list)
    deleted_functions: list[str] = field(default_factory=list)


def check_script(source: str, what: str) -> None:
    """Compile a script now so that errors surface on save, naming the line."""
    try:
        compile_script(source, what)
    except ScriptCompileError as error:
        raise ValidationError(f"{what}: {error.message}") from error


def apply_config(
    document: ConfigDocument,
    *,
    prune: bool = False,
    dry_run: bool = False,
    store: ConfigStore | None = None,
    secrets: SecretStore | None = None,
) -> Plan:
    """Make the stored configuration equal the document; returns the plan."""
    store = store or wiring.config_store()
    secrets = secrets or wiring.secret_store()
    check_scripts(document)
    plan, writes = _diff(document, store, secrets, prune)
    if not dry_run:
        _write(writes, store, secrets)
        plan.applied = True
    return plan


def apply_file(path: Path, *, prune: bool = False) -> Plan:
    """Apply a YAML/JSON configuration file with the deployment's adapters."""
    return apply_config(ConfigDocument.from_file(path), prune=prune)


def check_scripts(document: ConfigDocument) -> None:
    for provider in document.providers:
        check_script(provider.match_script, f"provider {provider.name} match_script")
        for function in provider.functions:
            check_script(function.script, f"function {function.name} script")


def _diff(
    document: ConfigDocument, store: ConfigStore, secrets: SecretStore, prune: bool
) -> tuple[Plan, _Writes]:
    plan, writes = Plan(), _Writes()
    existing = {provider.name: provider for provider in store.list_providers()}
    functions = store.list_functions()
    listed = {spec.name for spec in document.providers}
    kept = [provider for provider in existing.values() if provider.name not in listed]
    now = datetime.now(UTC)
    for position, spec in enumerate(document.providers):
        current = existing.get(spec.name)
        provider = _provider_diff(plan, writes, spec, current, position, secrets, now)
        mine = [f for f in functions if current and f.provider_id == current.id]
        _functions_diff(plan, writes, spec, provider, mine, prune, now)
    for offset, provider in enumerate(sorted(kept, key=lambda p: p.position)):
        if prune:
            plan.changes.append(Change(action="delete", kind="provider", name=provider.name))
            writes.deleted_providers.append(provider)
            writes.deleted_functions += [f.id for f in functions if f.provider_id == provider.id]
        elif provider.position != len(document.providers) + offset:
            moved = provider.model_copy(update={"position": len(document.providers) + offset})
            plan.changes.append(Change(action="reorder", kind="provider", name=provider.name))
            writes.providers.append(moved)
    return plan, writes


def _provider_diff(
    plan: Plan,
    writes: _Writes,
    spec: ProviderDocument,
    current: Provider | None,
    position: int,
    secrets: SecretStore,
    now: datetime,
) -> Provider:
    provider_id = current.id if current else new_id()
    stored_secrets = secrets.get_secrets(provider_id) if current else {}
    properties = plan_properties(
        current.properties if current else {}, spec.properties, stored_secrets
    )
    writes.properties.append((provider_id, properties))
    wanted = Provider(
        id=provider_id,
        name=spec.name,
        description=spec.description,
        active=spec.active,
        position=position,
        properties=properties.kept,
        match_script=spec.match_script,
        version=current.version if current else 1,
        updated_at=now,
    )
    if current is None:
        plan.changes.append(Change(action="create", kind="provider", name=spec.name))
        writes.providers.append(wanted)
        return wanted
    changed = _changed_fields(
        current, wanted, ("description", "active", "properties", "match_script")
    )
    if properties.secrets_changed:
        changed.append("secrets")
    if "match_script" in changed:
        wanted.version = current.version + 1
    if changed:
        plan.changes.append(
            Change(action="update", kind="provider", name=spec.name, fields=changed)
        )
    elif current.position != position:
        plan.changes.append(Change(action="reorder", kind="provider", name=spec.name))
    if changed or current.position != position:
        writes.providers.append(wanted)
    return wanted


def _functions_diff(
    plan: Plan,
    writes: _Writes,
    spec: ProviderDocument,
    provider: Provider,
    current: list[Function],
    prune: bool,
    now: datetime,
) -> None:
    by_name = {function.name: function for function in current}
    for item in spec.functions:
        _function_diff(plan, writes, item, provider, by_name.get(item.name), now)
    for function in current:
        if prune and function.name not in {item.name for item in spec.functions}:
            plan.changes.append(
                Change(action="delete", kind="function", name=function.name, provider=spec.name)
            )
            writes.deleted_functions.append(function.id)


def _function_diff(
    plan: Plan,
    writes: _Writes,
    item: FunctionDocument,
    provider: Provider,
    current: Function | None,
    now: datetime,
) -> None:
    wanted = Function(
        id=current.id if current else new_id(),
        provider_id=provider.id,
        name=item.name,
        uri=item.uri,
        active=item.active,
        description=item.description,
        script=item.script,
        version=current.version if current else 1,
        updated_at=now,
    )
    if current is None:
        change = Change(action="create", kind="function", name=item.name, provider=provider.name)
        plan.changes.append(change)
        writes.functions.append(wanted)
        return
    changed = _changed_fields(current, wanted, ("uri", "active", "description", "script"))
    if not changed:
        return
    if "script" in changed:
        wanted.version = current.version + 1
    plan.changes.append(
        Change(
            action="update", kind="function", name=item.name, provider=provider.name, fields=changed
        )
    )
    writes.functions.append(wanted)


def _changed_fields(current: BaseModel, wanted: BaseModel, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if getattr(current, name) != getattr(wanted, name)]


def _write(writes: _Writes, store: ConfigStore, secrets: SecretStore) -> None:
    for provider_id, properties in writes.properties:
        properties.apply(provider_id, secrets)
    for provider in writes.providers:
        store.put_provider(provider)
    for function in writes.functions:
        store.put_function(function)
    for function_id in writes.deleted_functions:
        store.delete_function(function_id)
    for provider in writes.deleted_providers:
        forget_secrets(provider.properties, provider.id, secrets)
        store.delete_provider(provider.id)
