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


def test_within_its_ttl_the_cache_reads_nothing_and_then_only_the_revision():
    # Given a cache with a 60 s TTL over a store holding one provider
    store, clock, reloads = config_store(FIRST), Clock(), []
    cache = ConfigCache(store, ttl=60, on_reload=lambda: reloads.append(1), clock=clock)

    # When it is used, used again within the TTL after a write, then after the TTL twice
    first = cache.get()
    store.put_provider(LATER)
    clock.now = 30
    within_ttl = cache.get()
    clock.now = 61
    after_ttl = cache.get()
    clock.now = 130
    unchanged = cache.get()

    # Then the write shows only once the TTL passed, and an unchanged revision loads nothing
    assert [p.provider.name for p in first.providers] == ["First"]
    assert within_ttl is first
    assert [p.provider.name for p in after_ttl.providers] == ["First", "Later"]
    assert unchanged is after_ttl
    assert len(reloads) == 2


def test_a_required_revision_reloads_within_the_ttl():
    # Given a warm cache, then an edit (a resubmission carries the revision after it)
    store, clock = config_store(FIRST), Clock()
    cache = ConfigCache(store, ttl=60, clock=clock)
    cache.get()
    store.put_provider(LATER)

    # When a submission requiring the new revision is processed within the TTL
    config = cache.get(required=store.revision())

    # Then it sees the edit
    assert [p.provider.name for p in config.providers] == ["First", "Later"]


def test_cache_with_a_zero_ttl_checks_the_revision_every_time():
    # Given
    store, reloads = config_store(FIRST), []
    cache = ConfigCache(store, ttl=0, on_reload=lambda: reloads.append(1), clock=Clock())

    # When used twice unchanged, then after a write
    cache.get()
    cache.get()
    store.put_provider(LATER)
    config = cache.get()

    # Then it loaded on first use and after the write only
    assert len(reloads) == 2
    assert len(config.providers) == 2


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
