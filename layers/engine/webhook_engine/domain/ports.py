"""The storage and queue interfaces the engine's logic depends on.

The messages table has one port per role (`MessageIntake` for ingest, `SubmissionLedger` for
processing, `SweepLedger` for the sweeper, `MessageQueries` and `Resubmissions` for the admin
API); `MessageStore` is all of them, as one adapter implements them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from webhook_engine.domain.models import (
    Execution,
    Function,
    Message,
    MessageDetail,
    Mode,
    Provider,
    ScriptVersion,
    Status,
    Submission,
    SyncAnswer,
)


@dataclass(frozen=True)
class MessageFilter:
    """Filters of the message list; all optional, combined with AND."""

    status: Status | None = None
    provider: str | None = None
    function: str | None = None
    uri: str | None = None
    since: datetime | None = None
    until: datetime | None = None


# What a page's cursor looks like: base64url without padding, of an id of at most 126 bytes.
CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4}){0,42}(?:[A-Za-z0-9_-]{2,3})?$"


@dataclass(frozen=True)
class Page:
    items: list[Message]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What processing one submission decided."""

    status: Status
    provider: str | None = None
    summary: str | None = None
    executions: list[Execution] = field(default_factory=list)
    reason: str | None = None  # why it failed (or ended) outside its scripts
    duplicate_of: str | None = None
    answer: SyncAnswer | None = None  # a script's `respond`, for a sender that waits


class ClaimRefusal(StrEnum):
    FINISHED = "finished"  # it has run already: a duplicate delivery
    LEASED = "leased"  # another delivery is running it now
    SUPERSEDED = "superseded"  # a later submission of its message was made: it never runs


@dataclass(frozen=True)
class Claim:
    """The answer to a claim: the submission, leased to the caller, with its message (body
    included), or why not."""

    submission: Submission | None
    refused: ClaimRefusal | None = None
    cutoffs: int = 0  # earlier attempts that ended neither finished nor released
    message: Message | None = None
    unrecorded: int = 0  # earlier attempts that ran but could not write their outcome


@dataclass(frozen=True)
class UnreadableItem:
    """A configuration item the store holds but cannot read: what can be told of it."""

    kind: str  # "provider" or "function"
    id: str
    error: str  # what is wrong, by field; never a value
    name: str | None = None
    provider_id: str | None = None  # a function's, when readable
    position: int | None = None  # a provider's, when readable


@dataclass(frozen=True)
class Unfinished:
    """A message's latest submission, not finished yet."""

    message_id: str
    submission: int
    submitted_at: datetime


@dataclass(frozen=True)
class StoredBody:
    """A message's body: its bytes when stored inline, else a short-lived link to them."""

    size: int
    content_type: str = ""  # as the sender declared it
    data: bytes | None = None
    url: str | None = None


def each_message(messages: MessageListing, filters: MessageFilter, page: int) -> Iterator[Message]:
    """Every message matching `filters`, newest first, read `page` at a time as consumed."""
    cursor: str | None = None
    while True:
        found = messages.list_messages(filters, page, cursor)
        yield from found.items
        cursor = found.next_cursor
        if cursor is None:
            return


class PayloadStore(Protocol):
    def put(self, key: str, body: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def link(self, key: str, seconds: int) -> str: ...


class MessageListing(Protocol):
    def list_messages(self, filters: MessageFilter, limit: int, cursor: str | None) -> Page: ...


class MessageIntake(Protocol):
    """What ingest needs: a message stored with its first submission."""

    def put_message(self, message: Message, mode: Mode) -> None: ...


class MessageQueries(MessageListing, Protocol):
    """What the admin API reads: messages, their history and their bodies."""

    def get_message(self, message_id: str) -> Message: ...

    def get_detail(self, message_id: str) -> MessageDetail: ...

    def get_body(self, message_id: str) -> StoredBody: ...

    def find_messages(self, message_ids: Sequence[str]) -> dict[str, Message]: ...


class Resubmissions(Protocol):
    """What resubmitting needs: which ids are not stored, and new submissions of the others."""

    def unknown_ids(self, message_ids: Sequence[str]) -> list[str]: ...

    def add_submissions(self, message_ids: Sequence[str], mode: Mode) -> list[Submission]: ...


class Settling(Protocol):
    """A submission ended without its scripts' outcome: failed outside them, lost, or DEAD."""

    def settle(
        self,
        message_id: str,
        submission: int,
        status: Status,
        reason: str,
        owner: str | None = None,
    ) -> None: ...


class SubmissionLedger(Settling, Protocol):
    """What processing needs: a submission leased, released or settled, a delivery told from
    its repeats, and the outcome recorded."""

    def claim_submission(
        self, message_id: str, submission: int, owner: str, lease_seconds: float
    ) -> Claim: ...

    def release_submission(
        self, message_id: str, submission: int, owner: str, reason: str, ran: bool = False
    ) -> None: ...

    def first_delivery(
        self, provider_id: str, delivery_id: str, message_id: str, window_hours: int
    ) -> str: ...

    def finish_submission(
        self, message: Message, submission: Submission, outcome: Outcome, owner: str
    ) -> None: ...


class SweepLedger(Settling, MessageListing, Protocol):
    """What the sweeper needs: arrivals and watched submissions, how often each was swept,
    and how far it has looked."""

    def sweeps(self, message_id: str, submission: int) -> int | None:
        """How often the sweeper queued the submission again; None once it finished, or DEAD."""

    def count_sweep(self, message_id: str, submission: int) -> int: ...

    def watched(self) -> list[Unfinished]:
        """Resubmitted or swept already, not finished: the sweeper's, whatever their age."""

    def sweep_mark(self) -> datetime | None:
        """Up to when the sweeper has looked at arrivals (None: never)."""

    def mark_swept(self, until: datetime) -> None: ...


class MessageStore(
    MessageIntake, MessageQueries, Resubmissions, SubmissionLedger, SweepLedger, Protocol
):
    """The messages table in every role: what its adapter and its fake implement (and the
    contract tests check), and what each part of the engine takes only its role of."""


class ConfigStore(Protocol):
    def list_providers(self) -> list[Provider]:
        """The providers that can be read; an unreadable one is left out (and logged)."""

    def unreadable(self) -> list[UnreadableItem]:
        """The providers and functions stored but unreadable."""

    def get_provider(self, provider_id: str) -> Provider: ...

    def get_function(self, function_id: str) -> Function: ...

    def list_versions(self, owner_id: str) -> list[ScriptVersion]: ...

    def revision(self) -> int: ...

    def list_functions(self) -> list[Function]: ...

    def put_provider(self, provider: Provider) -> None: ...

    def put_function(self, function: Function) -> None: ...

    def delete_provider(self, provider_id: str) -> None: ...

    def delete_function(self, function_id: str) -> None: ...


class SecretStore(Protocol):
    def get_secrets(self, provider_id: str) -> Mapping[str, str]: ...

    def put_secret(self, provider_id: str, name: str, value: str) -> None: ...

    def delete_secret(self, provider_id: str, name: str) -> None: ...

    def forget(self) -> None: ...


@dataclass(frozen=True)
class HttpReply:
    """An outbound HTTP call's answer: after redirects, with the body read within its cap."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str  # the final URL, after redirects


class HttpClient(Protocol):
    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> HttpReply: ...


class Queue(Protocol):
    def send(
        self, message_id: str, submission: int, config_revision: int | None = None
    ) -> None: ...

    def send_many(
        self, submissions: Sequence[tuple[str, int]], config_revision: int | None = None
    ) -> None: ...


@dataclass(frozen=True)
class DeadLetter:
    """A record of the dead-letter queue: the submission it names, as SQS holds it."""

    record_id: str  # SQS's message id of the record
    body: str  # as queued: {"message_id", "submission"}, maybe "config_revision"
    receive_count: int  # SQS's ApproximateReceiveCount; each listing or search adds one
    sent_at: datetime | None = None
    message_id: str | None = None  # None when the body names no submission
    submission: int | None = None


class DeadLetters(Protocol):
    def approximate_count(self) -> int: ...

    def redrive(self) -> RedriveResult: ...

    def records(self, limit: int) -> list[DeadLetter]: ...

    def record(self, record_id: str) -> DeadLetter: ...

    def redrive_record(self, record_id: str) -> DeadLetter: ...

    def discard_record(self, record_id: str) -> DeadLetter: ...


@dataclass(frozen=True)
class RedriveResult:
    method: str
    moved: int | None = None
    task_handle: str | None = None
