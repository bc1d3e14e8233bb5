"""The audit trail: who changed what, when and from where (docs/security.md, "Audit trail")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

ActorKind = Literal["iam", "jwt", "token"]


class Actor(BaseModel):
    """Who made a call: an IAM principal's ARN, or a person's subject (and email)."""

    principal: str
    kind: ActorKind
    role: str | None = None
    email: str | None = None
    source_ip: str = ""


class AuditEntry(BaseModel):
    """One write of the admin API. `object` is what it changed (`provider:<id>`,
    `function:<id>`, `message:<id>`, `dead-letter:<record id>`, `dead-letters`, `config`,
    `test`); `version` the script version it produced, `submission` the submission it made."""

    id: str
    at: datetime
    actor: Actor
    action: str = Field(description="e.g. provider.create, message.resubmit, test.inherit_secrets")
    object: str
    version: int | None = None
    submission: int | None = None
    detail: str | None = Field(default=None, description="names, counts: never a value or a body")


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    object: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    next_cursor: str | None = None


class AuditLog(Protocol):
    """Where the admin API records its writes; newest first when read."""

    def record_many(self, entries: list[AuditEntry]) -> None: ...

    def query(self, filters: AuditFilter, limit: int, cursor: str | None = None) -> AuditPage: ...


class PrincipalRoles(Protocol):
    """The role an IAM principal is tagged with (`webhooks-role`)."""

    def role_tag(self, principal_arn: str) -> str | None:
        """The tag's value on the IAM user or role `principal_arn` names (an assumed role's
        role); None when it has none, or is none of this account's."""
        ...
