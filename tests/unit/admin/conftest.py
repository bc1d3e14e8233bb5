"""The admin API on fakes: its handler answers events with services made of in-memory ports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from admin.app import answer
from admin.services import Services
from tests.conftest import admin_event, new_context
from tests.fakes import (
    FakeAuditLog,
    FakeConfigStore,
    FakeDeadLetters,
    FakeMessageStore,
    FakePerformer,
    FakePrincipalRoles,
    FakeQueue,
    FakeSecretStore,
)
from webhook_engine.actions.calls import Toolkit
from webhook_engine.pipeline.matching import Limits
from webhook_engine.sandbox.confinement import ALWAYS_REQUIRED, Report
from webhook_engine.sandbox.supervisor import SandboxUnavailableError
from webhooks_testbed.authorizer import LOCAL_USER_ARN, iam_authorizer


@dataclass
class FakeSandbox:
    """What the health check reads of the sandbox: the protections a process took, or why
    none could start."""

    protections_held: Report = field(default_factory=lambda: dict.fromkeys(ALWAYS_REQUIRED, True))
    required: frozenset[str] = ALWAYS_REQUIRED
    down: SandboxUnavailableError | None = None

    def protections(self) -> Report:
        if self.down is not None:
            raise self.down
        return self.protections_held


@dataclass
class Admin:
    """The admin API over fakes, and the fakes, for the test to fill and inspect."""

    messages: FakeMessageStore = field(default_factory=FakeMessageStore)
    queue: FakeQueue = field(default_factory=FakeQueue)
    config: FakeConfigStore = field(default_factory=FakeConfigStore)
    secrets: FakeSecretStore = field(default_factory=FakeSecretStore)
    sandbox: FakeSandbox = field(default_factory=FakeSandbox)
    audit: FakeAuditLog = field(default_factory=FakeAuditLog)
    principals: FakePrincipalRoles = field(
        default_factory=lambda: FakePrincipalRoles({LOCAL_USER_ARN: "editor"})
    )
    # What the authorizer hands the function: the local IAM user (an editor), by default.
    authorizer: dict[str, Any] | None = field(default_factory=iam_authorizer)
    dead_letters: FakeDeadLetters = field(init=False)

    def __post_init__(self) -> None:
        self.dead_letters = FakeDeadLetters(self.queue)

    def services(self) -> Services:
        performers = {"http": FakePerformer(), "aws": FakePerformer()}
        return Services(
            messages=self.messages,
            queue=self.queue,
            config=self.config,
            secrets=self.secrets,
            dead_letters=self.dead_letters,
            toolkit=Toolkit(performers),
            sandbox=self.sandbox,
            dry_run_limits=Limits(2.0, 20.0),
            audit=self.audit,
            principals=self.principals,
        )

    def raw(self, method: str, path: str, body: Any = None, query: str = "") -> dict[str, Any]:
        """The handler's response to the call, as API Gateway gets it."""
        event = admin_event(path, method=method, query=query, body=body)
        context = event["requestContext"]
        context.pop("authorizer", None)
        if self.authorizer is not None:
            context["authorizer"] = self.authorizer
        return answer(event, new_context(), self.services())

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> tuple[int, Any]:
        """The status and the decoded JSON body (None when there is none)."""
        response = self.raw(method, path, body, query)
        text = response.get("body") or ""
        return response["statusCode"], json.loads(text) if text else None


@pytest.fixture
def admin() -> Admin:
    return Admin()
