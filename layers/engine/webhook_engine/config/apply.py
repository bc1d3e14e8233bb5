"""Apply a configuration document declaratively, by name (docs/guide/configuration.md).

Nothing is written until the whole document has been checked and diffed, so a document with one
bad script or one new secret without a value changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from webhook_engine.config.document import ConfigDocument, ProviderDocument
from webhook_engine.config.properties import PropertyPlan, forget_secrets
from webhook_engine.config.rules import revise_function, revise_provider
from webhook_engine.domain.models import Function, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore

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


@dataclass
class _Writes:
    providers: list[Provider] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    properties: list[tuple[str, PropertyPlan]] = field(default_factory=list)
    deleted_providers: list[Provider] = field(default_factory=list)
    deleted_functions: list[str] = field(default_factory=list)


def apply_config(
    document: ConfigDocument,
    store: ConfigStore,
    secrets: SecretStore,
    *,
    prune: bool = False,
    dry_run: bool = False,
) -> Plan:
    """Make the stored configuration equal the document; returns the plan."""
    plan, writes = diff(document, store, secrets, prune)
    if not dry_run:
        _write(writes, store, secrets)
        plan.applied = True
    return plan


def diff(
    document: ConfigDocument, store: ConfigStore, secrets: SecretStore, prune: bool
) -> tuple[Plan, _Writes]:
    """The changes that make the store equal the document, and the writes that make them."""
    plan, writes = Plan(), _Writes()
    existing = {provider.name: provider for provider in store.list_providers()}
    functions = store.list_functions()
    now = datetime.now(UTC)
    for position, spec in enumerate(document.providers):
        current = existing.pop(spec.name, None)
        provider = _provider_diff(plan, writes, spec, current, position, secrets, now)
        mine = [f for f in functions if current and f.provider_id == current.id]
        _functions_diff(plan, writes, spec, provider, mine, prune, now)
    unlisted = sorted(existing.values(), key=lambda p: p.position)
    _unlisted_diff(plan, writes, unlisted, len(document.providers), functions, prune)
    return plan, writes


def _unlisted_diff(
    plan: Plan,
    writes: _Writes,
    unlisted: list[Provider],
    first_position: int,
    functions: list[Function],
    prune: bool,
) -> None:
    """Providers the document does not list: deleted with their functions when pruning, else
    kept after the listed ones, in their order."""
    for position, provider in enumerate(unlisted, start=first_position):
        if prune:
            plan.changes.append(Change(action="delete", kind="provider", name=provider.name))
            writes.deleted_providers.append(provider)
            writes.deleted_functions += [f.id for f in functions if f.provider_id == provider.id]
        elif provider.position != position:
            plan.changes.append(Change(action="reorder", kind="provider", name=provider.name))
            writes.providers.append(provider.model_copy(update={"position": position}))


def _provider_diff(
    plan: Plan,
    writes: _Writes,
    spec: ProviderDocument,
    current: Provider | None,
    position: int,
    secrets: SecretStore,
    now: datetime,
) -> Provider:
    stored_secrets = secrets.get_secrets(current.id) if current else {}
    revision = revise_provider(
        current, spec, position=position, stored_secrets=stored_secrets, now=now
    )
    provider = revision.item
    writes.properties.append((provider.id, revision.properties))
    moved = current is not None and current.position != position
    if revision.new:
        plan.changes.append(Change(action="create", kind="provider", name=spec.name))
    elif revision.changed:
        plan.changes.append(
            Change(action="update", kind="provider", name=spec.name, fields=revision.changed)
        )
    elif moved:
        plan.changes.append(Change(action="reorder", kind="provider", name=spec.name))
    if revision.needs_write or moved:
        writes.providers.append(provider)
    return provider


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
        revision = revise_function(
            by_name.pop(item.name, None), item, provider_id=provider.id, now=now
        )
        if revision.needs_write:
            action: Action = "create" if revision.new else "update"
            plan.changes.append(
                Change(
                    action=action,
                    kind="function",
                    name=item.name,
                    provider=provider.name,
                    fields=revision.changed,
                )
            )
            writes.functions.append(revision.item)
    for function in by_name.values() if prune else ():
        plan.changes.append(
            Change(action="delete", kind="function", name=function.name, provider=spec.name)
        )
        writes.deleted_functions.append(function.id)


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
