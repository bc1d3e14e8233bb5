"""Providers and functions, one at a time: what the admin API's configuration routes do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from admin.models import (
    CreateFunctionRequest,
    CreateProviderRequest,
    FunctionOut,
    PatchFunctionRequest,
    PatchProviderRequest,
    ProviderOut,
)
from webhook_engine.config.apply import check_script
from webhook_engine.config.properties import forget_secrets, plan_properties
from webhook_engine.domain.errors import ConflictError, NotFoundError, ValidationError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Function, Property, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore


@dataclass
class Catalog:
    store: ConfigStore
    secrets: SecretStore

    # providers ------------------------------------------------------------------------------

    def providers(self) -> list[ProviderOut]:
        counts = self._function_counts()
        return [ProviderOut.of(p, counts.get(p.id, 0)) for p in self.store.list_providers()]

    def provider(self, provider_id: str) -> ProviderOut:
        provider = self.store.get_provider(provider_id)
        return ProviderOut.of(provider, self._function_counts().get(provider.id, 0))

    def create_provider(self, request: CreateProviderRequest) -> ProviderOut:
        existing = self.store.list_providers()
        self._require_free_name(request.name, existing)
        check_script(request.match_script, f"provider {request.name} match_script")
        provider = Provider(
            id=new_id(),
            name=request.name,
            description=request.description,
            active=request.active,
            position=len(existing),
            match_script=request.match_script,
            updated_at=datetime.now(UTC),
        )
        provider.properties = self._save_properties(provider.id, {}, request.properties)
        self.store.put_provider(provider)
        if request.position is not None:
            self._move(provider.id, request.position)
        return self.provider(provider.id)

    def replace_provider(self, provider_id: str, request: CreateProviderRequest) -> ProviderOut:
        return self.patch_provider(provider_id, PatchProviderRequest(**request.model_dump()))

    def patch_provider(self, provider_id: str, request: PatchProviderRequest) -> ProviderOut:
        current = self.store.get_provider(provider_id)
        changes = request.model_dump(exclude_unset=True, exclude={"properties", "position"})
        if request.name and request.name != current.name:
            self._require_free_name(request.name, self.store.list_providers())
        if request.match_script is not None:
            check_script(request.match_script, f"provider {current.name} match_script")
        updated = current.model_copy(update=changes | {"updated_at": datetime.now(UTC)})
        if request.match_script is not None and request.match_script != current.match_script:
            updated.version = current.version + 1
        if request.properties is not None:
            updated.properties = self._save_properties(
                current.id, current.properties, request.properties
            )
        self.store.put_provider(updated)
        if request.position is not None:
            self._move(current.id, request.position)
        return self.provider(current.id)

    def delete_provider(self, provider_id: str, cascade: bool = False) -> None:
        provider = self.store.get_provider(provider_id)
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

    def reorder(self, ids: list[str]) -> list[ProviderOut]:
        providers = {p.id: p for p in self.store.list_providers()}
        if sorted(ids) != sorted(providers):
            raise ValidationError("ids must list every provider exactly once")
        self._renumber([providers[provider_id] for provider_id in ids])
        return self.providers()

    def _move(self, provider_id: str, position: int) -> None:
        others = [p for p in self.store.list_providers() if p.id != provider_id]
        moved = self.store.get_provider(provider_id)
        others.insert(min(position, len(others)), moved)
        self._renumber(others)

    def _renumber(self, ordered: list[Provider]) -> None:
        for position, provider in enumerate(ordered):
            if provider.position != position:
                self.store.put_provider(provider.model_copy(update={"position": position}))

    def _save_properties(
        self, provider_id: str, current: dict[str, Property], wanted: dict[str, Property]
    ) -> dict[str, Property]:
        """Write secret values to the secret store; return what the provider item keeps."""
        for name, prop in wanted.items():
            if (
                prop.secret
                and prop.value is None
                and not (name in current and current[name].secret)
            ):
                raise ValidationError(f"properties.{name}: a new secret property needs a value")
        plan = plan_properties(current, wanted)
        plan.apply(provider_id, self.secrets)
        return plan.kept

    def _require_free_name(self, name: str, providers: list[Provider]) -> None:
        if any(provider.name == name for provider in providers):
            raise ConflictError(f"a provider named {name} already exists")

    def _function_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for function in self.store.list_functions():
            counts[function.provider_id] = counts.get(function.provider_id, 0) + 1
        return counts

    # functions ------------------------------------------------------------------------------

    def functions(self, provider: str | None = None) -> list[FunctionOut]:
        names = {p.id: p.name for p in self.store.list_providers()}
        wanted = None
        if provider:
            wanted = next((pid for pid, name in names.items() if provider in (pid, name)), None)
            if wanted is None:
                raise NotFoundError(f"provider {provider} not found")
        return [
            FunctionOut(**f.model_dump(), provider=names.get(f.provider_id, ""))
            for f in self.store.list_functions()
            if wanted is None or f.provider_id == wanted
        ]

    def function(self, function_id: str) -> FunctionOut:
        function = self.store.get_function(function_id)
        provider = self.store.get_provider(function.provider_id)
        return FunctionOut(**function.model_dump(), provider=provider.name)

    def create_function(self, request: CreateFunctionRequest) -> FunctionOut:
        provider = self.store.get_provider(request.provider_id)
        self._require_free_function_name(provider.id, request.name)
        check_script(request.script, f"function {request.name} script")
        function = Function(
            id=new_id(),
            **request.model_dump(exclude={"uri"}),
            uri=request.uri.strip().strip("/"),
            updated_at=datetime.now(UTC),
        )
        self.store.put_function(function)
        return self.function(function.id)

    def replace_function(self, function_id: str, request: CreateFunctionRequest) -> FunctionOut:
        return self.patch_function(function_id, PatchFunctionRequest(**request.model_dump()))

    def patch_function(self, function_id: str, request: PatchFunctionRequest) -> FunctionOut:
        current = self.store.get_function(function_id)
        if request.provider_id not in (None, current.provider_id):
            raise ValidationError("provider_id: a function's provider cannot change")
        if request.name and request.name != current.name:
            self._require_free_function_name(current.provider_id, request.name)
        if request.script is not None:
            check_script(request.script, f"function {current.name} script")
        changes = request.model_dump(exclude_unset=True, exclude={"provider_id"})
        if request.uri is not None:
            changes["uri"] = request.uri.strip().strip("/")
        updated = current.model_copy(update=changes | {"updated_at": datetime.now(UTC)})
        if request.script is not None and request.script != current.script:
            updated.version = current.version + 1
        self.store.put_function(updated)
        return self.function(function_id)

    def delete_function(self, function_id: str) -> None:
        self.store.delete_function(self.store.get_function(function_id).id)

    def _require_free_function_name(self, provider_id: str, name: str) -> None:
        taken = {f.name for f in self.store.list_functions() if f.provider_id == provider_id}
        if name in taken:
            raise ConflictError(f"this provider already has a function named {name}")
