"""In-memory fakes of every port in webhook_engine.domain.ports (and of the AwsCaller of
actions/aws.py), for unit tests.

Each fake keeps the behaviour its adapter implements (adapters/messages_table.py,
config_table.py, ssm.py, sqs.py, s3.py) and nothing more: a finished submission is not claimed
again and a live lease is not taken over, only the latest submission is claimed and updates
its message (a resubmission supersedes the one it replaces), submissions are added all or
none, every configuration write bumps the revision, a script version the store has not seen
gets a history entry. Stored items are copied in and out, as a round trip through DynamoDB
would, so a caller cannot change the store by mutating what it was given. What the adapters
leave to AWS or to their layout (TTL expiry, list partitions, compression, pages cut short
by the number of messages a page examines) is left out.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from webhook_engine.actions.aws import AwsRequest
from webhook_engine.actions.calls import Performed
from webhook_engine.domain.audit import AuditEntry, AuditFilter, AuditPage
from webhook_engine.domain.errors import (
    BodyMissingError,
    InvalidRequestError,
    NotFoundError,
    UnreadableItemError,
    describe_error,
)
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
)
from webhook_engine.domain.ports import (
    CURSOR_PATTERN,
    Claim,
    ClaimRefusal,
    DeadLetter,
    MessageFilter,
    Outcome,
    Page,
    RedriveResult,
    StoredBody,
    Unfinished,
    UnreadableItem,
)
from webhook_engine.domain.times import isoformat

INLINE_LIMIT = 262_144
MAX_SUBMISSIONS_PER_WRITE = 50
BODY_LINK_SECONDS = 300


@dataclass
class Lease:
    """What the submission item holds besides the Submission model: lease and counters."""

    owner: str | None = None
    expires: float | None = None
    releases: int = 0
    sweeps: int = 0
    unrecorded: int = 0  # attempts that ran but could not write their outcome


class FakePayloadStore:
    """The payload bucket: bodies by key."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes) -> None:
        self.objects[key] = body

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise BodyMissingError(f"the body is no longer stored ({key}: NoSuchKey)")
        return self.objects[key]

    def link(self, key: str, seconds: int) -> str:
        return f"memory://payloads/{key}?expires_in={seconds}"


class FakeMessageStore:
    """The messages table: a message, its submissions and executions, bodies over the inline
    limit in a payload store."""

    def __init__(
        self,
        payloads: FakePayloadStore | None = None,
        inline_limit: int = INLINE_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.payloads = payloads or FakePayloadStore()
        self.inline_limit = inline_limit
        self.clock = clock  # lease expiry, in seconds as time.time() counts them
        self.leases: dict[tuple[str, int], Lease] = {}
        self.messages: dict[str, Message] = {}  # without their bodies, as the message item
        self.bodies: dict[str, bytes] = {}  # bodies kept in the table (item or #BODY)
        self.sizes: dict[str, int] = {}  # body sizes, as the message item keeps them
        self.submissions: dict[str, dict[int, Submission]] = {}
        self.executions: dict[str, dict[tuple[int, str], Execution]] = {}
        self.deliveries: dict[tuple[str, str], tuple[str, float]] = {}  # -> message, expiry
        self.watching: set[str] = set()  # messages whose latest submission the sweeper watches
        self.mark: datetime | None = None

    def put_message(self, message: Message, mode: Mode) -> None:
        head = message.model_copy(update={"body": b""}, deep=True)
        if len(message.body) > self.inline_limit:
            self.payloads.put(f"payloads/{message.id}", message.body)
        else:
            self.bodies[message.id] = message.body
        self.messages[message.id] = head
        self.sizes[message.id] = len(message.body)
        first = Submission(submission=1, mode=mode, submitted_at=message.received_at)
        self.submissions[message.id] = {1: first}
        self.executions[message.id] = {}

    def get_message(self, message_id: str) -> Message:
        head = self._head(message_id)
        body = self.bodies.get(message_id)
        if body is None:
            body = self.payloads.get(f"payloads/{message_id}")
        return head.model_copy(update={"body": body}, deep=True)

    def get_detail(self, message_id: str) -> MessageDetail:
        """The message with its history; a body in the payload store is not read for it."""
        head, in_payloads = self._head(message_id), message_id not in self.bodies
        message = head.model_copy(deep=True) if in_payloads else self.get_message(message_id)
        submissions = [
            s.model_copy(deep=True) for _, s in sorted(self.submissions[message_id].items())
        ]
        executions = [
            e.model_copy(deep=True) for _, e in sorted(self.executions[message_id].items())
        ]
        return MessageDetail(
            message=message,
            submissions=submissions,
            executions=executions,
            body_size=self.sizes[message_id],
            body_in_payloads=in_payloads,
        )

    def get_body(self, message_id: str) -> StoredBody:
        head = self._head(message_id)
        size, kind = self.sizes[message_id], head.headers.get("content-type", "")
        if message_id not in self.bodies:
            url = self.payloads.link(f"payloads/{message_id}", BODY_LINK_SECONDS)
            return StoredBody(size, kind, url=url)
        return StoredBody(size, kind, data=self.bodies[message_id])

    def unknown_ids(self, message_ids: Sequence[str]) -> list[str]:
        return [message_id for message_id in message_ids if message_id not in self.messages]

    def find_messages(self, message_ids: Sequence[str]) -> dict[str, Message]:
        return {m: self._head(m).model_copy(deep=True) for m in message_ids if m in self.messages}

    def add_submissions(self, message_ids: Sequence[str], mode: Mode) -> list[Submission]:
        """Number a new submission of each message, all or none; the one it replaces ends
        SUPERSEDED if it never finished."""
        if len(message_ids) > MAX_SUBMISSIONS_PER_WRITE:
            raise ValueError(f"at most {MAX_SUBMISSIONS_PER_WRITE} messages per write")
        missing = self.unknown_ids(message_ids)
        if missing:
            raise NotFoundError(f"messages not found: {', '.join(missing)}")
        now, added = datetime.now(UTC), []
        for message_id in message_ids:
            number = self.messages[message_id].submission_count + 1
            replaced = self.submissions[message_id][number - 1]
            if replaced.status.claimable:
                was = (
                    f" (was {replaced.status.value}: {replaced.reason})" if replaced.reason else ""
                )
                replaced.status = Status.SUPERSEDED
                replaced.reason = f"superseded by submission {number}{was}"
            self._update(message_id, submission_count=number, status=Status.RECEIVED)
            self.watching.add(message_id)
            submission = Submission(submission=number, mode=mode, submitted_at=now)
            self.submissions[message_id][number] = submission.model_copy(deep=True)
            added.append(submission)
        return added

    def claim_submission(
        self, message_id: str, submission: int, owner: str, lease_seconds: float
    ) -> Claim:
        """Lease the latest submission unless it has finished or another lease is live (a
        claim by the lease's own owner, whose answer was lost, is that claim)."""
        stored = self.submissions.get(message_id, {}).get(submission)
        if stored is None:
            raise NotFoundError(f"message {message_id} has no submission {submission}")
        if submission < self.messages[message_id].submission_count:
            return Claim(None, ClaimRefusal.SUPERSEDED)
        if not stored.status.claimable:
            return Claim(None, ClaimRefusal.FINISHED)
        now, lease = self.clock(), self.leases.setdefault((message_id, submission), Lease())
        if lease.owner != owner and lease.expires is not None and lease.expires >= now:
            return Claim(None, ClaimRefusal.LEASED)
        if lease.owner != owner:
            lease.owner, lease.expires = owner, now + lease_seconds
            stored.status, stored.started_at = Status.PROCESSING, datetime.fromtimestamp(now, UTC)
            stored.attempts += 1
        cutoffs = stored.attempts - 1 - lease.releases
        try:
            message = self.get_message(message_id)
        except Exception as error:  # as the adapter: the lease goes back
            self.release_submission(message_id, submission, owner, describe_error(error))
            raise
        return Claim(
            stored.model_copy(deep=True),
            cutoffs=cutoffs,
            message=message,
            unrecorded=lease.unrecorded,
        )

    def release_submission(
        self, message_id: str, submission: int, owner: str, reason: str, ran: bool = False
    ) -> None:
        """Give a lease back after an error (only its owner can); `ran`: the attempt ran but
        could not write its outcome."""
        lease = self.leases.get((message_id, submission))
        if lease is None or lease.owner != owner:
            return
        lease.owner = lease.expires = None
        lease.releases += 1
        lease.unrecorded += ran
        self.submissions[message_id][submission].reason = reason

    def settle(
        self,
        message_id: str,
        submission: int,
        status: Status,
        reason: str,
        owner: str | None = None,
    ) -> None:
        """End the latest, unfinished submission as `status` with `reason`, unless another
        delivery than `owner` holds a live lease on it; others stay."""
        stored = self._latest_unfinished(message_id, submission)
        if stored is None or not self._free(message_id, submission, owner):
            return
        stored.status, stored.reason = status, reason
        self.watching.discard(message_id)
        self._update(message_id, status=status, reason=reason)

    def sweeps(self, message_id: str, submission: int) -> int | None:
        stored = self._latest_unfinished(message_id, submission)
        if stored is None or stored.status is Status.DEAD:
            return None
        return self.leases.get((message_id, submission), Lease()).sweeps

    def count_sweep(self, message_id: str, submission: int) -> int:
        """Count one more re-queueing of an unfinished submission; 0 if it has finished, or
        is DEAD."""
        stored = self._latest_unfinished(message_id, submission)
        if stored is None or stored.status is Status.DEAD:
            return 0
        lease = self.leases.setdefault((message_id, submission), Lease())
        lease.sweeps += 1
        self.watching.add(message_id)
        return lease.sweeps

    def watched(self) -> list[Unfinished]:
        found = []
        for message_id in sorted(self.watching):
            latest = self.messages[message_id].submission_count
            if self._latest_unfinished(message_id, latest) is not None:
                submitted = self.submissions[message_id][latest].submitted_at
                found.append(Unfinished(message_id, latest, submitted))
        return found

    def sweep_mark(self) -> datetime | None:
        return self.mark

    def mark_swept(self, until: datetime) -> None:
        self.mark = until

    def first_delivery(
        self, provider_id: str, delivery_id: str, message_id: str, window_hours: int
    ) -> str:
        first = self.deliveries.get((provider_id, delivery_id))
        if first is not None and first[1] >= self.clock() and first[0] != message_id:
            return first[0]
        self.deliveries[(provider_id, delivery_id)] = (
            message_id,
            self.clock() + window_hours * 3600,
        )
        return message_id

    def finish_submission(
        self, message: Message, submission: Submission, outcome: Outcome, owner: str
    ) -> None:
        """Record the submission and its executions, and the message's outcome, if it is the
        latest submission, unfinished, and `owner` holds its lease. Otherwise the record is
        kept only if no run finished it and no other delivery holds it (a later submission
        replaced it)."""
        number = submission.submission
        lease = self.leases.get((message.id, number), Lease())
        latest = self._latest_unfinished(message.id, number) is not None
        if not (latest and lease.owner == owner) and not self._keeps_late(
            message.id, number, owner
        ):
            return
        for execution in outcome.executions:
            key = (execution.submission, execution.function_id)
            self.executions[message.id][key] = execution.model_copy(deep=True)
        self.submissions[message.id][number] = submission.model_copy(deep=True)
        if not (latest and lease.owner == owner):
            return
        self.leases.pop((message.id, number), None)  # the item is written whole
        self.watching.discard(message.id)
        names = {execution.function for execution in outcome.executions}
        self._update(
            message.id,
            status=outcome.status,
            provider=outcome.provider,
            summary=outcome.summary,
            reason=outcome.reason,
            duplicate_of=outcome.duplicate_of,
            functions=sorted(set(self.messages[message.id].functions) | names),
        )

    def _keeps_late(self, message_id: str, number: int, owner: str) -> bool:
        """A late run's record is kept when no run finished its submission and no other
        delivery holds it."""
        stored = self.submissions[message_id][number]
        finished = not stored.status.claimable and stored.status is not Status.SUPERSEDED
        return not finished and self._free(message_id, number, owner)

    def _free(self, message_id: str, submission: int, owner: str | None) -> bool:
        """No live lease on the submission but `owner`'s."""
        lease = self.leases.get((message_id, submission), Lease())
        live = lease.owner is not None and (lease.expires or 0) >= self.clock()
        return not live or lease.owner == owner

    def list_messages(self, filters: MessageFilter, limit: int, cursor: str | None) -> Page:
        """Newest first; the cursor is the sort key of the last message of the page, in the
        form the adapter's take (base64url, CURSOR_PATTERN)."""
        keyed = sorted(
            ((_sort_key(m), m) for m in self.messages.values() if _matches(m, filters)),
            key=lambda pair: pair[0],
            reverse=True,
        )
        if cursor is not None:
            after = _decode_cursor(cursor)
            keyed = [(key, m) for key, m in keyed if key < after]
        page = keyed[:limit]
        next_cursor = _encode_cursor(page[-1][0]) if len(keyed) > limit else None
        return Page([m.model_copy(deep=True) for _, m in page], next_cursor)

    def _head(self, message_id: str) -> Message:
        if message_id not in self.messages:
            raise NotFoundError(f"message {message_id} not found")
        return self.messages[message_id]

    def _update(self, message_id: str, **changes: object) -> None:
        self.messages[message_id] = self.messages[message_id].model_copy(update=changes)

    def _latest_unfinished(self, message_id: str, submission: int) -> Submission | None:
        """The stored submission if it is its message's latest and has not finished."""
        stored = self.submissions.get(message_id, {}).get(submission)
        latest = message_id in self.messages and self.messages[message_id].submission_count
        if stored is None or submission != latest or not stored.status.claimable:
            return None
        return stored


def _sort_key(message: Message) -> str:
    return f"{isoformat(message.received_at)}#{message.id}"


def _encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise InvalidRequestError("cursor is not valid")
    key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8", "replace")
    if "#" not in key:
        raise InvalidRequestError("cursor is not valid")
    return key


def _matches(message: Message, filters: MessageFilter) -> bool:
    return (
        (filters.status is None or message.status is filters.status)
        and (filters.provider is None or message.provider == filters.provider)
        and (filters.uri is None or message.uri == filters.uri)
        and (filters.function is None or filters.function in message.functions)
        and (filters.since is None or message.received_at >= filters.since)
        and (filters.until is None or message.received_at <= filters.until)
    )


class FakeConfigStore:
    """The configuration table: providers, functions, script versions, a revision counter."""

    def __init__(self) -> None:
        self.providers: dict[str, Provider] = {}
        self.functions: dict[str, Function] = {}
        self.versions: dict[str, dict[int, ScriptVersion]] = {}
        self.revision_number = 0
        self.broken: dict[str, UnreadableItem] = {}  # items stored but unreadable, by id

    def unreadable(self) -> list[UnreadableItem]:
        return list(self.broken.values())

    def list_providers(self) -> list[Provider]:
        providers = [p.model_copy(deep=True) for p in self.providers.values()]
        return sorted(providers, key=lambda provider: (provider.position, provider.name))

    def list_functions(self) -> list[Function]:
        functions = [f.model_copy(deep=True) for f in self.functions.values()]
        return sorted(functions, key=lambda function: (function.provider_id, function.name))

    def get_provider(self, provider_id: str) -> Provider:
        self._readable(provider_id)
        if provider_id not in self.providers:
            raise NotFoundError(f"provider {provider_id} not found")
        return self.providers[provider_id].model_copy(deep=True)

    def get_function(self, function_id: str) -> Function:
        self._readable(function_id)
        if function_id not in self.functions:
            raise NotFoundError(f"function {function_id} not found")
        return self.functions[function_id].model_copy(deep=True)

    def list_versions(self, owner_id: str) -> list[ScriptVersion]:
        versions = self.versions.get(owner_id, {})
        return [versions[number].model_copy() for number in sorted(versions, reverse=True)]

    def revision(self) -> int:
        return self.revision_number

    def put_provider(self, provider: Provider) -> None:
        old = self.providers.get(provider.id)
        self.providers[provider.id] = provider.model_copy(deep=True)
        self._saved(
            provider.id, old.version if old else None, provider.version, provider.match_script
        )

    def put_function(self, function: Function) -> None:
        old = self.functions.get(function.id)
        self.functions[function.id] = function.model_copy(deep=True)
        self._saved(function.id, old.version if old else None, function.version, function.script)

    def delete_provider(self, provider_id: str) -> None:
        self.providers.pop(provider_id, None)
        self.broken.pop(provider_id, None)
        self.revision_number += 1

    def delete_function(self, function_id: str) -> None:
        self.functions.pop(function_id, None)
        self.broken.pop(function_id, None)
        self.revision_number += 1

    def _readable(self, item_id: str) -> None:
        if item_id in self.broken:
            raise UnreadableItemError(f"{item_id} cannot be read; replace it with PUT or delete it")

    def _saved(self, item_id: str, old_version: int | None, version: int, script: str) -> None:
        """A version the item did not have before also gets its history entry (a write
        replaces an unreadable item)."""
        self.broken.pop(item_id, None)
        if old_version != version:
            self.versions.setdefault(item_id, {})[version] = ScriptVersion(
                version=version, script=script, saved_at=datetime.now(UTC)
            )
        self.revision_number += 1


class FakeSecretStore:
    """SSM Parameter Store: secret values by provider id and name, with reads counted;
    `error` makes the next reads fail."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, str]] = {}
        self.reads: list[str] = []  # provider ids, one per get_secrets
        self.forgotten = 0
        self.error: Exception | None = None

    def get_secrets(self, provider_id: str) -> Mapping[str, str]:
        self.reads.append(provider_id)
        if self.error is not None:
            raise self.error
        return dict(self.values.get(provider_id, {}))

    def put_secret(self, provider_id: str, name: str, value: str) -> None:
        self.values.setdefault(provider_id, {})[name] = value
        self.forget()

    def delete_secret(self, provider_id: str, name: str) -> None:
        names = self.values.get(provider_id, {})
        names.pop(name, None)
        if not names:
            self.values.pop(provider_id, None)
        self.forget()

    def forget(self) -> None:
        self.forgotten += 1


class FakeQueue:
    """The processing queue: records what was sent; `error` makes the next sends fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []
        self.revisions: list[int | None] = []  # the configuration revision each one requires
        self.error: Exception | None = None

    def send(self, message_id: str, submission: int, config_revision: int | None = None) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((message_id, submission))
        self.revisions.append(config_revision)

    def send_many(
        self, submissions: Sequence[tuple[str, int]], config_revision: int | None = None
    ) -> None:
        for message_id, submission in submissions:
            self.send(message_id, submission, config_revision)


class FakeDeadLetters:
    """The dead-letter queue: records by id in arrival order, each listing or search counting a
    receive as SQS does; redrive moves everything back to `queue`, or one record."""

    def __init__(self, queue: FakeQueue) -> None:
        self.queue = queue
        self.waiting: dict[str, DeadLetter] = {}
        self._ids = itertools.count(1)

    def add(self, message_id: str, submission: int) -> str:
        """Dead-letter a submission, as the queue does after its last delivery; the record id."""
        record_id = f"record-{next(self._ids)}"
        body = json.dumps({"message_id": message_id, "submission": submission})
        self.waiting[record_id] = DeadLetter(
            record_id, body, 0, datetime.now(UTC), message_id, submission
        )
        return record_id

    def approximate_count(self) -> int:
        return len(self.waiting)

    def redrive(self) -> RedriveResult:
        moved = list(self.waiting)
        for record_id in moved:
            self.redrive_record(record_id)
        return RedriveResult(method="in-memory", moved=len(moved))

    def records(self, limit: int) -> list[DeadLetter]:
        return [self._received(record_id) for record_id in list(self.waiting)[:limit]]

    def record(self, record_id: str) -> DeadLetter:
        return self._received(record_id)

    def redrive_record(self, record_id: str) -> DeadLetter:
        record = self.discard_record(record_id)
        named = json.loads(record.body)  # as queued, the revision it requires included
        self.queue.send(named["message_id"], named["submission"], named.get("config_revision"))
        return record

    def discard_record(self, record_id: str) -> DeadLetter:
        record = self._received(record_id)
        del self.waiting[record_id]
        return record

    def _received(self, record_id: str) -> DeadLetter:
        if record_id not in self.waiting:
            raise NotFoundError(f"no record {record_id} in the dead-letter queue")
        record = self.waiting[record_id]
        record = replace(record, receive_count=record.receive_count + 1)
        self.waiting[record_id] = record
        return record


class FakePerformer:
    """Performs `http` or `aws.*` calls by answering `value` (or raising `error`), and records
    each call it performed."""

    def __init__(self, value: JsonValue = None, error: Exception | None = None) -> None:
        self.value, self.error = value, error
        self.performed: list[tuple[str, dict[str, JsonValue], float]] = []

    def describe(self, target: str, args: Mapping[str, JsonValue]) -> str:
        if "url" in args:
            return f"GET {args['url']}"
        return f"{target} {json.dumps(dict(args), sort_keys=True)}"

    def perform(self, target: str, args: Mapping[str, JsonValue], timeout: float) -> Performed:
        self.performed.append((target, dict(args), timeout))
        if self.error is not None:
            raise self.error
        return Performed(self.value, status=200 if "url" in args else None)

    def dry_value(self, target: str, args: Mapping[str, JsonValue]) -> JsonValue:
        if "url" in args:  # shaped as an HTTP answer, as the http performer's
            return {"status": 200, "headers": {}, "text": "", "url": args["url"]}
        return {"dry_run": True}


class FakeAwsCaller:
    """The AwsCaller port of `aws` actions: records each request with its timeout and answers
    with the response given for its boto3 method (the adapter's answers: streams as bytes)."""

    def __init__(self, responses: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.responses = dict(responses or {})
        self.calls: list[tuple[AwsRequest, float]] = []

    def call(self, request: AwsRequest, timeout: float) -> Mapping[str, Any]:
        self.calls.append((request, timeout))
        return self.responses[request.method]


if TYPE_CHECKING:  # mypy checks that every fake satisfies its port
    from webhook_engine.actions.aws import AwsCaller
    from webhook_engine.actions.calls import Performer
    from webhook_engine.domain import ports

    _payloads: ports.PayloadStore = FakePayloadStore()
    _messages: ports.MessageStore = FakeMessageStore()
    _config: ports.ConfigStore = FakeConfigStore()
    _secrets: ports.SecretStore = FakeSecretStore()
    _queue: ports.Queue = FakeQueue()
    _dead_letters: ports.DeadLetters = FakeDeadLetters(FakeQueue())
    _performer: Performer = FakePerformer()
    _aws: AwsCaller = FakeAwsCaller()


class FakeAuditLog:
    """The audit trail in memory, read newest first as the table's indexes read it."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record_many(self, entries: list[AuditEntry]) -> None:
        self.entries += entries

    def query(self, filters: AuditFilter, limit: int, cursor: str | None = None) -> AuditPage:
        found = [e for e in self._newest_first() if _audited(e, filters)]
        if cursor is not None:
            before = bytes.fromhex(cursor).decode("utf-8", errors="replace")
            found = [e for e in found if _audit_key(e) < before]
        page = found[:limit]
        more = len(found) > limit
        return AuditPage(
            items=page, next_cursor=_audit_key(page[-1]).encode().hex() if more else None
        )

    def _newest_first(self) -> list[AuditEntry]:
        """Ties in time (one microsecond) in the order recorded, as the table's ids would not."""
        ordered = sorted(enumerate(self.entries), key=lambda pair: (pair[1].at, pair[0]))
        return [entry for _, entry in reversed(ordered)]


def _audit_key(entry: AuditEntry) -> str:
    """The table's sort key: the time, then the id."""
    return f"{entry.at.isoformat()}#{entry.id}"


def _audited(entry: AuditEntry, filters: AuditFilter) -> bool:
    return (
        filters.actor in (None, entry.actor.principal)
        and filters.object in (None, entry.object)
        and (filters.since is None or entry.at >= filters.since)
        and (filters.until is None or entry.at <= filters.until)
    )


@dataclass
class FakePrincipalRoles:
    """IAM principals' `webhooks-role` tags, by ARN."""

    tags: dict[str, str] = field(default_factory=dict)

    def role_tag(self, principal_arn: str) -> str | None:
        return self.tags.get(principal_arn)
