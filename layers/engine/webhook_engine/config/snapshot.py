"""The configuration as processing needs it: active providers in order, cached briefly."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from webhook_engine.domain.models import Function, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore


@dataclass(frozen=True)
class ActiveProvider:
    provider: Provider
    functions: tuple[Function, ...]

    def functions_for(self, uri: str) -> list[Function]:
        """The active functions of this provider registered for `uri`."""
        return [function for function in self.functions if function.uri == uri]


@dataclass(frozen=True)
class RuntimeConfig:
    providers: tuple[ActiveProvider, ...]

    @classmethod
    def build(cls, providers: list[Provider], functions: list[Function]) -> RuntimeConfig:
        ordered = sorted(providers, key=lambda provider: (provider.position, provider.name))
        return cls(
            tuple(
                ActiveProvider(
                    provider,
                    tuple(f for f in functions if f.provider_id == provider.id and f.active),
                )
                for provider in ordered
                if provider.active
            )
        )


class ConfigCache:
    """The configuration, reloaded when the store's revision moves or after `ttl` seconds.

    One consistent read per use tells whether anything changed, so a script fixed just before
    a resubmission is the one that runs. `on_reload` lets cached secrets go at the same time.
    """

    def __init__(
        self,
        store: ConfigStore,
        ttl: float,
        on_reload: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.ttl, self.clock, self.on_reload = store, ttl, clock, on_reload
        self._config: RuntimeConfig | None = None
        self._revision = -1
        self._loaded_at = 0.0

    def get(self) -> RuntimeConfig:
        now, revision = self.clock(), self.store.revision()
        stale = revision != self._revision or now - self._loaded_at >= self.ttl
        if self._config is None or stale:
            self.on_reload()
            self._config = RuntimeConfig.build(
                self.store.list_providers(), self.store.list_functions()
            )
            self._revision, self._loaded_at = revision, now
        return self._config


def resolve_props(provider: Provider, secrets: SecretStore) -> Mapping[str, str]:
    """Property values; a secret without one (as stored) is read from the secret store."""
    missing = any(p.secret and p.value is None for p in provider.properties.values())
    stored = secrets.get_secrets(provider.id) if missing else {}
    return {
        name: prop.value if prop.value is not None else stored.get(name, "")
        for name, prop in provider.properties.items()
    }
