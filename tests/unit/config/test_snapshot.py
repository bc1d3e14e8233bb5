"""The configuration processing sees: active providers in order, cached until a write or the TTL."""

from __future__ import annotations

from tests.fakes import FakeSecretStore
from tests.unit.builders import Clock, config_store, function, plain, provider, secret
from webhook_engine.config.snapshot import ConfigCache, RuntimeConfig, resolve_props

FIRST = provider("First", position=0)
LATER = provider("Later", position=1)
OFF = provider("Off", position=2, active=False)


def test_runtime_config_orders_active_providers_and_keeps_active_functions():
    # Given providers stored out of order, one inactive, and an inactive function
    providers = [LATER, FIRST, OFF]
    functions = [
        function(FIRST, "a", uri="x"),
        function(FIRST, "b", uri="x", active=False),
        function(FIRST, "c", uri="y"),
        function(OFF, "d", uri="x"),
    ]

    # When
    config = RuntimeConfig.build(providers, functions)

    # Then
    assert [p.provider.name for p in config.providers] == ["First", "Later"]
    assert [f.name for f in config.providers[0].functions_for("x")] == ["a"]
    assert config.providers[1].functions_for("x") == []


def test_cache_reloads_only_when_the_revision_moves_or_the_ttl_passes():
    # Given a cache with a 60 s TTL over a store holding one provider
    store, clock, reloads = config_store(FIRST), Clock(), []
    cache = ConfigCache(store, ttl=60, on_reload=lambda: reloads.append(1), clock=clock)

    # When it is used twice, then after a write, then after the TTL
    first = cache.get()
    clock.now = 30
    same_revision = cache.get()
    store.put_provider(LATER)
    after_write = cache.get()
    clock.now = 200
    cache.get()

    # Then it reloaded on first use, after the write and after the TTL, not in between
    assert same_revision is first
    assert [p.provider.name for p in after_write.providers] == ["First", "Later"]
    assert len(reloads) == 3


def test_cache_with_a_zero_ttl_reloads_every_time():
    # Given
    reloads: list[int] = []
    cache = ConfigCache(
        config_store(FIRST), ttl=0, on_reload=lambda: reloads.append(1), clock=Clock()
    )

    # When
    cache.get()
    cache.get()

    # Then
    assert len(reloads) == 2


def test_props_read_the_secret_store_only_for_secrets_without_a_value():
    # Given one provider with a stored secret, one with plain properties only
    secrets = FakeSecretStore()
    secrets.put_secret("p-S", "KEY", "k3y")
    with_secret = provider("S", properties={"KEY": secret(), "ORG": plain("acme")})
    without = provider("N", properties={"ORG": plain("acme")})

    # When
    resolved = resolve_props(with_secret, secrets)
    plain_only = resolve_props(without, secrets)

    # Then
    assert resolved == {"KEY": "k3y", "ORG": "acme"}
    assert plain_only == {"ORG": "acme"}
    assert secrets.reads == ["p-S"]


def test_a_secret_missing_from_the_store_resolves_to_empty_text():
    # Given a secret property whose value is not in the store
    owner = provider("S", properties={"KEY": secret()})

    # When
    resolved = resolve_props(owner, FakeSecretStore())

    # Then
    assert resolved == {"KEY": ""}
