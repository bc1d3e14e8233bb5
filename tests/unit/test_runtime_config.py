"""The configuration cache: reload on a new revision or after its TTL, not otherwise."""

from __future__ import annotations

from webhook_engine.config.snapshot import ConfigCache, RuntimeConfig
from webhook_engine.domain.models import Function, Provider


class FakeConfigStore:
    """Just enough of the ConfigStore port: a revision and counted loads."""

    def __init__(self) -> None:
        self.revision_number = 1
        self.loads = 0
        self.providers = [
            Provider(id="p2", name="Later", position=1, match_script="return True"),
            Provider(id="p1", name="First", position=0, match_script="return True"),
            Provider(id="p3", name="Off", position=2, active=False, match_script="return True"),
        ]
        self.functions = [
            Function(id="f1", provider_id="p1", name="a", uri="x", script=""),
            Function(id="f2", provider_id="p1", name="b", uri="x", active=False, script=""),
        ]

    def revision(self) -> int:
        return self.revision_number

    def list_providers(self) -> list[Provider]:
        self.loads += 1
        return self.providers

    def list_functions(self) -> list[Function]:
        return self.functions


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_runtime_config_orders_active_providers_and_keeps_active_functions():
    # Given
    store = FakeConfigStore()

    # When
    config = RuntimeConfig.build(store.providers, store.functions)

    # Then
    assert [p.provider.name for p in config.providers] == ["First", "Later"]
    assert [f.name for f in config.providers[0].functions_for("x")] == ["a"]


def test_cache_reloads_only_when_the_revision_moves_or_the_ttl_passes():
    # Given a cache with a 60 s TTL
    store, clock, reloads = FakeConfigStore(), Clock(), []
    cache = ConfigCache(store, ttl=60, on_reload=lambda: reloads.append(1), clock=clock)  # type: ignore[arg-type]

    # When it is used twice, then after a write, then after the TTL
    cache.get()
    clock.now = 30
    cache.get()
    after_same_revision = store.loads
    store.revision_number = 2
    cache.get()
    after_write = store.loads
    clock.now = 200
    cache.get()

    # Then
    assert after_same_revision == 1
    assert after_write == 2
    assert store.loads == 3
    assert len(reloads) == 3
