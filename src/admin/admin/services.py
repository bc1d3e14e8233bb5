"""The engine services the admin routes use, in one place.

`answer` serves each call, for the caller it identified, with one `Services`: the container's (built once from the engine's
wiring), or the fakes a test hands it. Routes read it with `services()`, never from wiring.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Protocol

from webhook_engine import wiring
from webhook_engine.actions.calls import Toolkit
from webhook_engine.config.catalog import Catalog
from webhook_engine.domain.audit import Actor, AuditLog, PrincipalRoles
from webhook_engine.domain.ports import (
    ConfigStore,
    DeadLetters,
    MessageQueries,
    Queue,
    Resubmissions,
    SecretStore,
)
from webhook_engine.pipeline.matching import Limits
from webhook_engine.sandbox.confinement import Report
from webhook_engine.sandbox.supervisor import default_sandbox
from webhook_engine.settings import get_settings


class AdminMessages(MessageQueries, Resubmissions, Protocol):
    """The messages table as the admin API uses it: read, and resubmitted."""


class SandboxReport(Protocol):
    """What the health check asks the script sandbox."""

    required: frozenset[str]

    def protections(self) -> Report: ...


@dataclass(frozen=True)
class Services:
    messages: AdminMessages
    queue: Queue
    config: ConfigStore
    secrets: SecretStore
    dead_letters: DeadLetters
    toolkit: Toolkit  # what dry runs' `http` and `aws` calls are described by
    sandbox: SandboxReport
    dry_run_limits: Limits
    audit: AuditLog
    principals: PrincipalRoles  # IAM callers' roles
    groups_claim: str = "cognito:groups"  # the JWT claim that carries a person's groups

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.config, self.secrets)


@cache
def container() -> Services:
    """The container's services, built on its first admin call."""
    settings = get_settings()
    return Services(
        messages=wiring.message_store(),
        queue=wiring.queue(),
        config=wiring.config_store(),
        secrets=wiring.secret_store(),
        dead_letters=wiring.dead_letters(),
        toolkit=wiring.toolkit(),
        sandbox=default_sandbox(),
        # Dry runs share the synchronous budget, like a synchronous webhook.
        dry_run_limits=Limits(
            settings.match_timeout_seconds,
            min(settings.function_timeout_seconds, settings.sync_budget_seconds),
        ),
        audit=wiring.audit_log(),
        principals=wiring.principal_roles(),
        groups_claim=settings.admin_groups_claim,
    )


_CURRENT: ContextVar[tuple[Services, Actor]] = ContextVar("admin_services")


def services() -> Services:
    """The services of the call being answered."""
    return _CURRENT.get()[0]


def caller() -> Actor:
    """Who makes the call being answered."""
    return _CURRENT.get()[1]


@contextmanager
def serving(given: Services, actor: Actor) -> Iterator[None]:
    """Answer the calls made inside with `given`, for `actor`."""
    token = _CURRENT.set((given, actor))
    try:
        yield
    finally:
        _CURRENT.reset(token)
