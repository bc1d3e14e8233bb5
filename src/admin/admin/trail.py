"""The audit trail as the admin API writes and shows it: `record` after each write, and
`GET /audit`, `GET /whoami`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, Field

from admin.services import caller, services
from webhook_engine.domain.audit import Actor, AuditEntry, AuditFilter
from webhook_engine.domain.times import parse_time
from webhook_engine.observability import logger

router = APIGatewayHttpRouter()
AUDIT_CURSOR = r"^(?:[0-9a-f]{2}){1,128}$"


def record(
    action: str,
    target: str,
    *,
    version: int | None = None,
    submission: int | None = None,
    detail: str | None = None,
) -> None:
    """Record a write that succeeded. A trail that cannot be written does not undo it: the
    entry goes to the log, at ERROR, instead (an alarm-worthy line, never a lost one)."""
    _store([_entry(action, target, version, submission, detail)])


def record_many(made: Iterable[tuple[str, str, int]]) -> None:
    """Record (action, object, submission) writes that succeeded, in batches."""
    _store([_entry(action, target, None, number, None) for action, target, number in made])


def _entry(
    action: str, target: str, version: int | None, submission: int | None, detail: str | None
) -> AuditEntry:
    return AuditEntry(
        id=uuid.uuid4().hex,
        at=datetime.now(UTC),
        actor=caller(),
        action=action,
        object=target,
        version=version,
        submission=submission,
        detail=detail,
    )


def _store(entries: list[AuditEntry]) -> None:
    try:
        services().audit.record_many(entries)
    except Exception:
        entries_json = [entry.model_dump(mode="json") for entry in entries]
        logger.exception("audit entries not stored", audit=entries_json)


def authors(target: str) -> dict[int, Actor]:
    """Who produced each version of `target` (a provider or function), as recorded."""
    return {e.version: e.actor for e in _entries(target) if e.version is not None}


def submitters(message_id: str) -> dict[int, Actor]:
    """Who made each submission of a message by resubmitting it, as recorded."""
    entries = _entries(f"message:{message_id}")
    return {e.submission: e.actor for e in entries if e.submission is not None}


def _entries(target: str) -> list[AuditEntry]:
    """`target`'s entries, newest first: every page (an object's trail is short)."""
    found: list[AuditEntry] = []
    cursor: str | None = None
    while True:
        page = services().audit.query(AuditFilter(object=target), 200, cursor)
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


class AuditPageOut(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class WhoAmIOut(BaseModel):
    principal: str = Field(description="The IAM principal's ARN, or the token's subject")
    kind: str = Field(description="iam, jwt or token")
    role: str | None = Field(description="viewer, operator or editor")
    email: str | None


@router.get("/whoami", summary="Who the caller is, and their role")
def whoami() -> WhoAmIOut:
    actor = caller()
    return WhoAmIOut(principal=actor.principal, kind=actor.kind, role=actor.role, email=actor.email)


@router.get(
    "/audit",
    summary="The audit trail, newest first",
    description="Every write: who, when, from where, what. `object` is `provider:<id>`, "
    "`function:<id>`, `message:<id>`, `dead-letter:<record id>`, `dead-letters`, `config` "
    "or `test`.",
)
def audit(
    actor: Annotated[
        str | None, Query(min_length=1, max_length=2048, description="An IAM ARN or a subject")
    ] = None,
    object: Annotated[
        str | None, Query(min_length=1, max_length=1024, description="What was changed")
    ] = None,
    since: Annotated[str | None, Query(description="ISO 8601, or relative: 1h, 7d")] = None,
    until: Annotated[str | None, Query(description="ISO 8601, or relative: 1h, 7d")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None, Query(pattern=AUDIT_CURSOR, description="A page's next_cursor")
    ] = None,
) -> AuditPageOut:
    filters = AuditFilter(
        actor=actor, object=object, since=parse_time(since), until=parse_time(until)
    )
    page = services().audit.query(filters, limit, cursor)
    return AuditPageOut(items=page.items, next_cursor=page.next_cursor)
