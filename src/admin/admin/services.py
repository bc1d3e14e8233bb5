"""The engine services the routes use, built once per container."""

from __future__ import annotations

from functools import cache

from webhook_engine import wiring
from webhook_engine.config.catalog import Catalog
from webhook_engine.pipeline.matching import Limits
from webhook_engine.settings import get_settings


@cache
def catalog() -> Catalog:
    return Catalog(wiring.config_store(), wiring.secret_store())


def dry_run_limits() -> Limits:
    """Dry runs share the synchronous budget, like a synchronous webhook."""
    settings = get_settings()
    return Limits(
        settings.match_timeout_seconds,
        min(settings.function_timeout_seconds, settings.sync_budget_seconds),
    )
