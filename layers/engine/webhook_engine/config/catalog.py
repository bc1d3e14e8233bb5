"""Providers and functions one at a time: what the admin API's configuration routes change.

Every write goes through the same rules as a configuration file (rules.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

from webhook_engine.config.properties import forget_secrets
from webhook_engine.config.rules import (
    Revision,
    require_free_name,
    revise_function,
    revise_provider,
)
from webhook_engine.domain.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    UnreadableItemError,
    describe,
)
from webhook_engine.domain.models import (
    PROPERTY_NAME,
    Deduplication,
    Function,
    FunctionFields,
    Name,
    Property,
    PropertyName,
    Provider,
    ProviderFields,
    Uri,
)
from webhook_engine.domain.ports import ConfigStore, SecretStore, UnreadableItem


class ProviderPatch(BaseModel):
    """Some fields of a provider; the ones left out keep their values."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: str | None = None
    active: StrictBool | None = None
    sync: StrictBool | None = None
    properties: dict[PropertyName, Property] | None = None
    match_script: str | None = None
    deduplicate: Deduplication | None = None
    redirect_hosts: list[str] | None = None


class FunctionPatch(BaseModel):
    """Some fields of a function (left out: kept); `provider_id`, if given, must be its own."""

    model_config = ConfigDict(extra="forbid")

    provider_id: str | None = None
    name: Name | None = None
    uri: Uri | None = None
    script: str | None = None
    active: StrictBool | None = None
    sync: StrictBool | None = None
    description: str | None = None


@dataclass
class Catalog:
    store: ConfigStore
    secrets: SecretStore

    # providers ------------------------------------------------------------------------------

    def function_counts(self) -> dict[str, int]:
        """How many functions each provider (by id) has."""
        counts: dict[str, int] = {}
        for function in self.store.list_functions():
            counts[function.provider_id] = counts.get(function.provider_id, 0) + 1
        return counts

    def create_provider(self, fields: ProviderFields, position: int | None = None) -> Provider:
        existing = self.store.list_providers()
        require_free_name(fields.name, {p.name for p in existing}, "a provider")
        revision = revise_provider(
            None, fields, position=len(existing), stored_secrets={}, now=datetime.now(UTC)
        )
        self._save_provider(revision)
        if position is not None:
            self._move(revision.item.id, position)
        return self.store.get_provider(revision.item.id)

    def patch_provider(
        self, provider_id: str, patch: ProviderPatch, position: int | None = None
    ) -> Provider:
        current = self.store.get_provider(provider_id)
        fields = _validated(ProviderFields, _merged(current, ProviderFields, patch))
        return self._replace(current, fields, position, secrets_given=bool(patch.properties))

    def replace_provider(
        self, provider_id: str, fields: ProviderFields, position: int | None = None
    ) -> Provider:
        return self._replace(self._stored_provider(provider_id), fields, position)

    def _replace(
        self,
        current: Provider,
        fields: ProviderFields,
        position: int | None,
        secrets_given: bool = True,
    ) -> Provider:
        if fields.name != current.name:
            taken = {p.name for p in self.store.list_providers()}
            require_free_name(fields.name, taken, "a provider")
        stored_secrets = self.secrets.get_secrets(current.id) if secrets_given else {}
        revision = revise_provider(
            current,
            fields,
            position=current.position,
            stored_secrets=stored_secrets,
            now=datetime.now(UTC),
        )
        self._save_provider(revision)
        if position is not None:
            self._move(current.id, position)
        return self.store.get_provider(current.id)

    def delete_provider(self, provider_id: str, cascade: bool = False) -> None:
        provider = self._stored_provider(provider_id)
        functions = [f for f in self.store.list_functions() if f.provider_id == provider.id]
        if functions and not cascade:
            raise ConflictError(
                f"provider {provider.name} has {len(functions)} function(s); "
                "delete them first or pass cascade=true"
            )
        for function in functions:
            self.store.delete_function(function.id)
        forget_secrets(provider.properties, provider.id, self.secrets)
        self.store.delete_provider(provider.id)
        self._renumber([p for p in self.store.list_providers() if p.id != provider.id])

    def _stored_provider(self, provider_id: str) -> Provider:
        """The stored provider; one that cannot be read, as what can be told of it (its id,
        name, position, versions and the names of its secrets), so that it can be replaced or
        deleted."""
        try:
            return self.store.get_provider(provider_id)
        except UnreadableItemError:
            item = self._unreadable("provider", provider_id)
        secrets = self.secrets.get_secrets(provider_id)
        return Provider(
            id=provider_id,
            name=_name(item.name, provider_id),
            match_script="return False",
            position=item.position or 0,
            version=self._version(provider_id),
            properties={name: Property(secret=True) for name in secrets if _PROPERTY.match(name)},
        )

    def _unreadable(self, kind: str, item_id: str) -> UnreadableItem:
        found = [i for i in self.store.unreadable() if (i.kind, i.id) == (kind, item_id)]
        if not found:  # read meanwhile, or gone
            raise ConflictError(f"{kind} {item_id} changed meanwhile; try again")
        return found[0]

    def _version(self, item_id: str) -> int:
        versions = self.store.list_versions(item_id)
        return versions[0].version if versions else 1

    def reorder(self, ids: list[str]) -> list[Provider]:
        providers = {p.id: p for p in self.store.list_providers()}
        if sorted(ids) != sorted(providers):
            raise InvalidRequestError("ids must list every provider exactly once")
        self._renumber([providers[provider_id] for provider_id in ids])
        return self.store.list_providers()

    def _save_provider(self, revision: Revision[Provider]) -> None:
        revision.properties.apply(revision.item.id, self.secrets)
        if revision.needs_write:
            self.store.put_provider(revision.item)

    def _move(self, provider_id: str, position: int) -> None:
        others = [p for p in self.store.list_providers() if p.id != provider_id]
        moved = self.store.get_provider(provider_id)
        others.insert(min(position, len(others)), moved)
        self._renumber(others)

    def _renumber(self, ordered: list[Provider]) -> None:
        for position, provider in enumerate(ordered):
            if provider.position != position:
                self.store.put_provider(provider.model_copy(update={"position": position}))

    # functions ------------------------------------------------------------------------------

    def functions(self, provider: str | None = None) -> list[Function]:
        """Every function, or those of one provider given by id or name."""
        functions = self.store.list_functions()
        if not provider:
            return functions
        wanted = next((p for p in self.store.list_providers() if provider in (p.id, p.name)), None)
        if wanted is None:
            raise NotFoundError(f"provider {provider} not found")
        return [f for f in functions if f.provider_id == wanted.id]

    def create_function(self, provider_id: str, fields: FunctionFields) -> Function:
        provider = self.store.get_provider(provider_id)
        self._require_free_function_name(provider.id, fields.name)
        revision = revise_function(None, fields, provider_id=provider.id, now=datetime.now(UTC))
        self.store.put_function(revision.item)
        return revision.item

    def patch_function(
        self, function_id: str, patch: FunctionPatch, salvage: bool = False
    ) -> Function:
        """Change some fields; `salvage`: an unreadable function is replaced whole (PUT)."""
        current = self._stored_function(function_id, patch.provider_id if salvage else None)
        if patch.provider_id not in (None, current.provider_id):
            raise InvalidRequestError("provider_id: a function's provider cannot change")
        if patch.name and patch.name != current.name:
            self._require_free_function_name(current.provider_id, patch.name)
        fields = _validated(FunctionFields, _merged(current, FunctionFields, patch))
        revision = revise_function(
            current, fields, provider_id=current.provider_id, now=datetime.now(UTC)
        )
        if revision.needs_write:
            self.store.put_function(revision.item)
        return revision.item

    def replace_function(
        self, function_id: str, provider_id: str, fields: FunctionFields
    ) -> Function:
        data = fields.model_dump(include=_names(FunctionFields)) | {"provider_id": provider_id}
        return self.patch_function(function_id, FunctionPatch.model_validate(data), salvage=True)

    def delete_function(self, function_id: str) -> None:
        self.store.delete_function(self._stored_function(function_id, "").id)

    def _stored_function(self, function_id: str, salvage_for: str | None) -> Function:
        """The stored function; with `salvage_for` (the provider a replacement names), one
        that cannot be read as what can be told of it, so that it can be replaced or deleted."""
        try:
            return self.store.get_function(function_id)
        except UnreadableItemError:
            if salvage_for is None:
                raise
            item = self._unreadable("function", function_id)
        return Function(
            id=function_id,
            provider_id=item.provider_id or salvage_for,
            name=_name(item.name, function_id),
            uri="unreadable",
            script="",
            version=self._version(function_id),
        )

    def _require_free_function_name(self, provider_id: str, name: str) -> None:
        taken = {f.name for f in self.store.list_functions() if f.provider_id == provider_id}
        require_free_name(name, taken, "a function of this provider")


_PROPERTY = re.compile(PROPERTY_NAME)


def _name(name: str | None, item_id: str) -> str:
    """An unreadable item's name if it is one, else its id."""
    return name.strip()[:200] if name and name.strip() else item_id


def _names(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def _validated[M: BaseModel](model: type[M], data: dict[str, object]) -> M:
    """The merged fields, or a 400 naming what a patch made invalid (a null required field)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRequestError(describe(error)) from error


def _merged(current: BaseModel, fields: type[BaseModel], patch: BaseModel) -> dict[str, object]:
    """The stored values of `fields`, overridden by what the patch sets (null clears an
    optional field, as in a JSON merge patch, and is refused for a required one)."""
    changes = patch.model_dump(include=_names(fields), exclude_unset=True)
    return current.model_dump(include=_names(fields)) | changes
