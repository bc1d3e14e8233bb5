"""Pydantic models of messages, executions and configuration (docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import parse_qs

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from webhook_engine.domain.clipping import clip
from webhook_engine.domain.limits import (
    ERROR_CHARACTERS,
    EVALUATION_LOG_BYTES,
    EXECUTION_LOG_BYTES,
)
from webhook_engine.domain.uris import require_uri


class _Model(BaseModel):
    """A model whose validator is built when first used, not when its class is defined: a
    function builds only the models its path uses (measured: -30 ms of the ingest import)."""

    model_config = ConfigDict(defer_build=True)


class Status(StrEnum):
    """Message and submission statuses (docs/architecture.md, "The message lifecycle")."""

    RECEIVED = "RECEIVED"
    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    UNMATCHED = "UNMATCHED"
    # The queue gave up on it (infrastructure errors on every delivery): it waits in the
    # dead-letter queue, and a redrive or a resubmission processes it again.
    DEAD = "DEAD"
    # A submission only: a later submission of its message was made before it ran.
    SUPERSEDED = "SUPERSEDED"
    # The sender delivered the same event again (same delivery id): stored, not processed.
    DUPLICATE = "DUPLICATE"

    @property
    def claimable(self) -> bool:
        """Processing may (still) run a submission in this status."""
        return self in _CLAIMABLE


_CLAIMABLE = frozenset({Status.RECEIVED, Status.PROCESSING, Status.DEAD})


class Mode(StrEnum):
    """How a submission was started."""

    ASYNC = "async"
    SYNC = "sync"
    RESUBMIT = "resubmit"


class ExecutionStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class IncomingRequest(_Model):
    """An HTTP request as the webhook API received it; the raw material of a message."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    method: str
    uri: str
    query_string: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    body: bytes = b""
    source_ip: str = ""
    received_at: datetime

    @property
    def query_all(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    @property
    def query(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.query_all.items()}

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Message(IncomingRequest):
    """A stored request and the outcome of its latest submission."""

    id: str
    status: Status = Status.RECEIVED
    provider: str | None = None
    summary: str | None = None  # the one-line text a script set with `log.set_message`
    reason: str | None = None  # why the latest submission failed outside its scripts
    duplicate_of: str | None = None  # the message first delivered with the same delivery id
    submission_count: int = 1
    functions: list[str] = Field(default_factory=list)


class LogEntry(_Model):
    level: str
    message: str
    at: datetime


def bounded_logs(entries: list[LogEntry], limit: int) -> list[LogEntry]:
    """The first entries that fit in `limit` bytes, then a note of how many were dropped (the
    worker already fails a script that logs more: this bounds what the engine accepts)."""
    kept: list[LogEntry] = []
    used = 0
    for index, entry in enumerate(entries):
        used += len(entry.message.encode("utf-8", "replace"))
        if used > limit:
            dropped = len(entries) - index
            note = f"{dropped} more log entries dropped (log limit {limit:,} bytes)"
            return [*kept, LogEntry(level="WARNING", message=note, at=entry.at)]
        kept.append(entry)
    return kept


def _bounded_error(error: str | None) -> str | None:
    return error if error is None else clip(error, ERROR_CHARACTERS)


ExecutionLogs = Annotated[
    list[LogEntry], AfterValidator(lambda logs: bounded_logs(logs, EXECUTION_LOG_BYTES))
]
EvaluationLogs = Annotated[
    list[LogEntry], AfterValidator(lambda logs: bounded_logs(logs, EVALUATION_LOG_BYTES))
]
Error = Annotated[str | None, AfterValidator(_bounded_error)]


class Evaluation(_Model):
    """One provider match script evaluated for a submission."""

    provider: str
    matched: bool
    duration_ms: float
    error: Error = None
    logs: EvaluationLogs = Field(default_factory=list)
    script_version: int | None = None


class ActionOutcome(StrEnum):
    """How a toolkit call of a function script ended."""

    DONE = "done"
    FAILED = "failed"  # the target answered with an error, or could not be reached
    REFUSED = "refused"  # the deployment does not allow it, or a limit was reached
    WOULD_CALL = "would call"  # a dry run: recorded, not performed
    IGNORED = "ignored"  # a `respond` after the answer was set, or in asynchronous mode


class ActionRecord(_Model):
    """One `http`, `aws` or `respond` call of a function script; never headers or bodies."""

    kind: Literal["http", "aws", "respond"]
    call: str  # e.g. "GET https://api.example.com/v1/builds", "codebuild:StartBuild project=web"
    outcome: ActionOutcome
    status: int | None = None  # the HTTP status answered, or the one responded
    detail: Error = None  # why it failed or was refused, or what the target returned
    duration_ms: float = 0.0
    at: datetime


class SyncAnswer(_Model):
    """What a `respond` call set as the synchronous answer (docs/architecture.md, "respond")."""

    status: int = Field(ge=200, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: str = ""


class Execution(_Model):
    """One function script run for one submission."""

    function: str
    function_id: str
    status: ExecutionStatus
    submission: int
    started_at: datetime
    duration_ms: float
    logs: ExecutionLogs = Field(default_factory=list)
    error: Error = None
    error_line: int | None = None
    script_version: int | None = None
    actions: list[ActionRecord] = Field(default_factory=list)
    response: SyncAnswer | None = None  # the answer its `respond` set, when it was the answer


class Submission(_Model):
    """One pass of a message through processing: the first, or a resubmission."""

    submission: int
    mode: Mode
    submitted_at: datetime
    status: Status = Status.RECEIVED
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    reason: str | None = None
    evaluations: list[Evaluation] = Field(default_factory=list)


class MessageDetail(_Model):
    """A message with its history; a body kept in the payload bucket is not read for it."""

    message: Message
    submissions: list[Submission]
    executions: list[Execution]
    body_size: int = 0
    body_in_payloads: bool = False  # then `message.body` is empty: see MessageStore.get_body


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A property's name: a key of the provider item's map and, for a secret, the last part of an
# SSM parameter name; so letters, digits, `_`, `.` and `-` only.
PROPERTY_NAME = r"^[A-Za-z0-9_.-]{1,128}$"
PropertyName = Annotated[str, StringConstraints(pattern=PROPERTY_NAME)]
Uri = Annotated[str, StringConstraints(min_length=1), AfterValidator(require_uri)]


class Property(_Model):
    """A provider property; secret values live in SSM and are never read back out."""

    value: str | None = None
    secret: StrictBool = False


# A delivery id header's name; a rule may list a few (a sender's alternatives, such as Svix's
# `svix-id` for Standard Webhooks' `webhook-id`), each named once.
DEDUPLICATION_HEADERS = 5
HeaderName = Annotated[str, StringConstraints(min_length=1)]
HeaderNames = Annotated[list[HeaderName], Field(min_length=1, max_length=DEDUPLICATION_HEADERS)]
_HEADERS_WANTED = f"a header name, or a list of 1 to {DEDUPLICATION_HEADERS} header names"


def _header_or_names(value: object) -> object:
    """`value` if it names a header or a few; otherwise an error saying what is wanted, rather
    than one per member of the union."""
    if value is None or (isinstance(value, str) and value):
        return value
    if not isinstance(value, list) or not 1 <= len(value) <= DEDUPLICATION_HEADERS:
        raise ValueError(f"give {_HEADERS_WANTED}")
    if not all(isinstance(name, str) and name for name in value):
        raise ValueError(f"give {_HEADERS_WANTED}: each a non-empty string")
    _named_once(value)
    return value


def _named_once(names: list[str]) -> None:
    lowered = [name.lower() for name in names]
    twice = next((name for name in lowered if lowered.count(name) > 1), None)
    if twice is not None:
        raise ValueError(f"header {twice!r} is listed twice (names are case-insensitive)")


class Deduplication(_Model):
    """Where a sender puts the id of a delivery, so that its retries are not processed twice.

    `header` (e.g. `X-GitHub-Delivery`), or a list of headers of which the first present
    names the delivery (e.g. `[webhook-id, svix-id]`), or `json_path`, a dotted path into a
    JSON body (e.g. `id` for Stripe's event id); a delivery seen within `window_hours` is a
    duplicate.
    """

    model_config = ConfigDict(extra="forbid")

    header: Annotated[HeaderName | HeaderNames | None, BeforeValidator(_header_or_names)] = Field(
        default=None,
        description="The header that carries the delivery id, or a list of up to "
        f"{DEDUPLICATION_HEADERS} headers, the first one present carrying it",
    )
    json_path: str | None = Field(default=None, min_length=1)
    window_hours: StrictInt = Field(default=24, ge=1, le=720)

    @model_validator(mode="after")
    def _one_source(self) -> Deduplication:
        if (self.header is None) == (self.json_path is None):
            raise ValueError("give either header or json_path")
        return self

    @property
    def headers(self) -> list[str]:
        """The headers that may carry the delivery id, in the order they are looked for."""
        if self.header is None:
            return []
        return [self.header] if isinstance(self.header, str) else self.header


class ProviderFields(_Model):
    """What an operator sets on a provider (API requests and configuration files share it)."""

    name: Name
    description: str = ""
    active: StrictBool = True
    sync: StrictBool = Field(
        default=False,
        description="Answer webhooks to the URIs its functions serve with the outcome (or a "
        "script's `respond`), as if they carried `flex-sync-webhook: true`",
    )
    properties: dict[PropertyName, Property] = Field(default_factory=dict)
    match_script: str
    deduplicate: Deduplication | None = None
    redirect_hosts: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Hosts (`host` or `host:port`) that its functions' `respond` may send a "
        "sender to with a `Location` header; a path on the webhook API's own host needs none",
    )


class Provider(ProviderFields):
    id: str
    position: int = 0
    version: int = 1
    updated_at: datetime | None = None


class FunctionFields(_Model):
    """What an operator sets on a function."""

    name: Name
    uri: Uri
    active: StrictBool = True
    sync: StrictBool = Field(
        default=False,
        description="Answer webhooks to its URI with the outcome (or a script's `respond`), "
        "as if they carried `flex-sync-webhook: true`",
    )
    description: str = ""
    script: str


class Function(FunctionFields):
    id: str
    provider_id: str
    version: int = 1
    updated_at: datetime | None = None


class ScriptVersion(_Model):
    """One saved version of a match or function script."""

    version: int
    script: str
    saved_at: datetime
