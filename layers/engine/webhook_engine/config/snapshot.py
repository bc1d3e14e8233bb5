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

    def serves_sync(self, uri: str) -> bool:
        """Whether webhooks to `uri` are answered synchronously: an active function registered
        for it is `sync`, or belongs to a `sync` provider (decided before any script runs)."""
        return any(
            active.provider.sync or function.sync
            for active in self.providers
            for function in active.functions_for(uri)
        )


class ConfigCache:
    """The configuration as one container last read it (docs/architecture.md, "Freshness").

    Within `ttl` seconds of its last check it is used as it is, with no read at all, unless
    the caller requires a later revision (a queue message of a resubmission carries the
    revision current when it was made). Past that, one consistent read of the revision
    counter tells whether to load it again. `on_reload` lets cached secrets go at the same time.
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
        self._checked_at = 0.0

    def get(self, required: int | None = None) -> RuntimeConfig:
        """The configuration, at least at revision `required` when one is given."""
        now = self.clock()
        fresh = now - self._checked_at < self.ttl and (required or 0) <= self._revision
        if self._config is not None and fresh:
            return self._config
        revision = self.store.revision()
        if self._config is None or revision != self._revision:
            self.on_reload()
            self._config = RuntimeConfig.build(
                self.store.list_providers(), self.store.list_functions()
            )
            self._revision = revision
        self._checked_at = now
        return self._config


def resolve_props(provider: Provider, secrets: SecretStore) -> Mapping[str, str]:
    """Property values; a secret without one (as stored) is read from the secret store."""
    missing = any(p.secret and p.value is None for p in provider.properties.values())
    stored = secrets.get_secrets(provider.id) if missing else {}
    return {
        name: prop.value if prop.value is not None else stored.get(name, "")
        for name, prop in provider.properties.items()
    }
