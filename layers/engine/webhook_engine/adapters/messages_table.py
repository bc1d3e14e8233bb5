"""Messages, their submissions and executions in the DynamoDB messages table.

The layout is message_items.py's, the list message_list.py's. On the happy path a message
costs three writes of one item (docs/architecture.md, "What each guarantee costs"): ingest puts
it, a claim leases its submission and hands the whole message back, the end of the submission
writes its outcome and record together. Each is one request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from webhook_engine.adapters.clients import client, dynamodb_table
from webhook_engine.adapters.dynamo import Update, is_condition_failure, query
from webhook_engine.adapters.message_items import (
    BODY_IN_ITEM_BYTES,
    MAX_ID_LENGTH,
    PARTITIONS,
    RUN_ATTRIBUTES,
    WATCHED,
    attention_key,
    body_in_item,
    current_submission,
    cutoffs,
    folds,
    message_from_item,
    message_item,
    message_key,
    own_partition,
    record_from_value,
    record_name,
    record_value,
    replaced,
    spilled_items,
    spilled_records,
    watched_key,
)
from webhook_engine.adapters.message_list import ATTENTION_INDEX, MessageList
from webhook_engine.adapters.packing import pack, unpack
from webhook_engine.domain.errors import (
    BodyMissingError,
    ConflictError,
    NotFoundError,
    describe_error,
)
from webhook_engine.domain.models import (
    Execution,
    Message,
    MessageDetail,
    Mode,
    Status,
    Submission,
)
from webhook_engine.domain.ports import (
    Claim,
    ClaimRefusal,
    MessageFilter,
    Outcome,
    Page,
    PayloadStore,
    StoredBody,
    Unfinished,
)
from webhook_engine.domain.times import isoformat
from webhook_engine.observability import logger

# How long a link to a body in the payload bucket stays valid.
BODY_LINK_SECONDS = 300
# A transaction holds 100 items; a resubmission rewrites one per message.
MAX_SUBMISSIONS_PER_WRITE = 50
# Up to when the sweeper has looked at arrivals.
_SWEEP_MARK = {"pk": "SWEEPER", "sk": "#MARK"}
_serializer, _deserializer = TypeSerializer(), TypeDeserializer()
Records = dict[int, tuple[Submission, list[Execution]]]


def _epoch(seconds: float) -> Decimal:
    """A time as DynamoDB stores numbers, to the millisecond."""
    return Decimal(f"{seconds:.3f}")


def _latest_unfinished(update: Update, submission: int) -> str:
    """The condition: `submission` is the message's latest and has not finished."""
    count, finished = update.name("submission_count"), update.name("finished")
    number = update.value(submission)
    return f"{count} = {number} AND (attribute_not_exists({finished}) OR {finished} < {number})"


class DynamoMessageStore:
    def __init__(
        self,
        table_name: str,
        payloads: PayloadStore,
        *,
        inline_limit: int,
        retention_days: int,
    ) -> None:
        self.table_name = table_name
        self.payloads = payloads
        self.inline_limit = inline_limit
        self.retention = timedelta(days=retention_days)
        self.list = MessageList(table_name, self.retention)

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    # writes -----------------------------------------------------------------------------

    def put_message(self, message: Message, mode: Mode) -> None:
        """Store a new message with its first submission: one item, and the body's own item
        (one batch) when it is too large to ride in it, or the payload bucket past the inline
        limit. Readers treat a message as stored once its item exists."""
        expires = int((message.received_at + self.retention).timestamp())
        item = message_item(message, mode, expires)
        packed = pack(message.body) if 0 < len(message.body) <= self.inline_limit else b""
        if len(message.body) > self.inline_limit:
            item["body_key"] = f"payloads/{message.id}"
            self.payloads.put(item["body_key"], message.body)
        elif len(packed) > BODY_IN_ITEM_BYTES:
            body = {"pk": own_partition(message.id), "sk": "#BODY", "body": packed}
            with self._table.batch_writer() as batch:
                batch.put_item(Item=body | {"expires_at": expires})
                batch.put_item(Item=item)
            return
        elif packed:
            item["body"] = packed
        self._table.put_item(Item=item)

    def add_submissions(self, message_ids: Sequence[str], mode: Mode) -> list[Submission]:
        """Number a new submission of each message, all or none, in one transaction.

        Each message's counter moves from the value just read to the next one only if no one
        moved it meanwhile; the submission it replaces keeps its record (SUPERSEDED when it
        never finished). Raises NotFoundError naming every unknown id before writing anything.
        """
        if len(message_ids) > MAX_SUBMISSIONS_PER_WRITE:
            raise ValueError(f"at most {MAX_SUBMISSIONS_PER_WRITE} messages per write")
        heads = self._items(message_ids)
        missing = [message_id for message_id in message_ids if message_id not in heads]
        if missing:
            raise NotFoundError(f"messages not found: {', '.join(missing)}")
        now = datetime.now(UTC)
        submissions, actions = [], []
        for message_id in message_ids:
            head = heads[message_id]
            number = int(head["submission_count"]) + 1
            submissions.append(Submission(submission=number, mode=mode, submitted_at=now))
            actions += self._resubmission(message_id, head, mode, now)
        try:
            client("dynamodb").transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise ConflictError("a message was resubmitted meanwhile; try again") from error
            raise
        return submissions

    def _resubmission(
        self, message_id: str, head: dict[str, Any], mode: Mode, now: datetime
    ) -> list[dict[str, Any]]:
        """The transaction's writes for one message: its next submission, RECEIVED, and the
        record of the one it replaces when that one has none yet (folded, or spilled past
        the history the message item keeps)."""
        read = int(head["submission_count"])
        update = Update().set("submission_count", read + 1).set("status", Status.RECEIVED.value)
        update.set("run_mode", mode.value).set("run_submitted_at", isoformat(now))
        update.remove(*(set(RUN_ATTRIBUTES) - {"run_mode", "run_submitted_at"}))
        update.set("attention", watched_key(message_id))  # the sweeper's, whatever its age
        actions: list[dict[str, Any]] = []
        stub = replaced(head)
        record = b"" if stub is None else record_value(stub, [])
        if stub is not None and folds(stub, record):
            update.set_if_absent(record_name(read), record)  # unless its run just wrote one
        elif stub is not None:
            [item] = spilled_items(message_id, stub, [])
            put = {
                "TableName": self.table_name,
                "Item": _typed(item | {"expires_at": head["expires_at"]}),
                "ConditionExpression": "attribute_not_exists(pk)",  # nor spilled one
            }
            actions.append({"Put": put})
            update.add("spilled", {read})
        condition = f"{update.name('submission_count')} = {update.value(read)}"
        key = _typed(message_key(message_id))
        arguments = update.arguments(condition, typed=True)
        return [{"Update": {"TableName": self.table_name, "Key": key, **arguments}}, *actions]

    def claim_submission(
        self, message_id: str, submission: int, owner: str, lease_seconds: float
    ) -> Claim:
        """Lease the message's latest submission to `owner` unless it has finished or another
        lease is live; the answer carries the message, read by the same request. A claim whose
        answer was lost (applied, then sent again by the SDK) finds the lease its own: it is
        the same claim.

        `attempts` counts claims and `releases` the attempts that gave their lease back after
        an error, so the attempts that did neither were cut off (runtime killed, timed out).
        """
        now = time.time()
        update = Update().set("run_status", Status.PROCESSING.value)
        update.set("started_at", isoformat(datetime.fromtimestamp(now, UTC)))
        update.set("lease_owner", owner).set("lease_expires", _epoch(now + lease_seconds))
        update.add("attempts", 1)
        expires = update.name("lease_expires")
        live = f"(attribute_not_exists({expires}) OR {expires} < {update.value(_epoch(now))})"
        condition = f"{_latest_unfinished(update, submission)} AND {live}"
        try:
            item = self._update(message_id, update, condition, "ALL_NEW")
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            item = _item_of(error) or {}
            if not _leased_to(item, owner, submission):
                return _refusal(message_id, submission, item or None)
        try:
            message = message_from_item(item, self._body(message_id, item))
        except Exception as error:  # the lease goes back: this attempt was not cut off
            self.release_submission(message_id, submission, owner, describe_error(error))
            raise
        return Claim(
            current_submission(item),
            cutoffs=cutoffs(item),
            message=message,
            unrecorded=int(item.get("unrecorded", 0)),
        )

    def release_submission(
        self, message_id: str, submission: int, owner: str, reason: str, ran: bool = False
    ) -> None:
        """Give a lease back after an error, so the next delivery may run it at once; `ran`:
        the attempt ran its scripts but its outcome could not be written."""
        update = Update().remove("lease_owner", "lease_expires").set("run_reason", reason)
        update.add("releases", 1)
        if ran:
            update.add("unrecorded", 1)
        condition = f"{update.name('lease_owner')} = {update.value(owner)}"
        self._update_if(message_id, update, condition)

    def settle(
        self,
        message_id: str,
        submission: int,
        status: Status,
        reason: str,
        owner: str | None = None,
    ) -> None:
        """End the latest submission, unfinished, as `status` with `reason`, without running
        it (DEAD stays claimable, so that a redrive runs it); not while another delivery than
        `owner` holds a live lease on it."""
        update = Update().set("run_status", status.value).set("run_reason", reason)
        update.set("status", status.value).set("reason", reason)
        update.set("attention", attention_key(message_id, status))
        if not status.claimable:
            update.set("finished", submission)
        condition = f"{_latest_unfinished(update, submission)} AND {_free(update, owner)}"
        self._update_if(message_id, update, condition)

    def sweeps(self, message_id: str, submission: int) -> int | None:
        """How often the sweeper queued the latest submission again; None once it finished,
        was replaced, or is DEAD (it waits in the dead-letter queue). One consistent read."""
        item = self._table.get_item(
            Key=message_key(message_id),
            ConsistentRead=True,
            ProjectionExpression="submission_count, finished, run_status, sweeps",
        ).get("Item")
        if item is None or not _unfinished(item, submission):
            return None
        if item.get("run_status") == Status.DEAD.value:
            return None
        return int(item.get("sweeps", 0))

    def count_sweep(self, message_id: str, submission: int) -> int:
        """Count one more re-queueing of an unfinished submission, which the sweeper watches
        from then on; 0 if it has finished, or is DEAD (it waits in the dead-letter queue)."""
        update = Update().add("sweeps", 1).set("attention", watched_key(message_id))
        status = update.name("run_status")
        dead = f"(attribute_not_exists({status}) OR {status} <> {update.value(Status.DEAD.value)})"
        condition = f"{_latest_unfinished(update, submission)} AND {dead}"
        try:
            item = self._update(message_id, update, condition, "UPDATED_NEW")
        except ClientError as error:
            if is_condition_failure(error):
                return 0
            raise
        return int(item["sweeps"])

    def finish_submission(
        self, message: Message, submission: Submission, outcome: Outcome, owner: str
    ) -> None:
        """Record the submission with its executions and, if it is still the latest and
        unfinished and `owner` holds its lease, the message's outcome: one update of the
        message item. A record too large to fold is written to items of its own first."""
        number = submission.submission
        record: bytes | None = record_value(submission, outcome.executions)
        if not folds(submission, record or b""):
            record = None
            with self._table.batch_writer() as batch:
                for item in spilled_items(message.id, submission, outcome.executions):
                    batch.put_item(Item=item | {"expires_at": self._expires(message)})
        update = _outcome(message.id, outcome).set("finished", number).remove(*RUN_ATTRIBUTES)
        _keep(update, number, record)
        mine = f"{update.name('lease_owner')} = {update.value(owner)}"
        try:
            self._update(message.id, update, f"{_latest_unfinished(update, number)} AND {mine}")
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            self._keep_late(message.id, number, record, owner)

    def _keep_late(self, message_id: str, number: int, record: bytes | None, owner: str) -> None:
        """Keep the record of a run that could not write the outcome: a later submission
        started meanwhile (its record replaces the SUPERSEDED stub). Never the record of a run
        that finished, nor while another delivery holds the lease."""
        kept = _keep(Update(), number, record)
        finished = kept.name("finished")
        unfinished = f"(attribute_not_exists({finished}) OR {finished} < {kept.value(number)})"
        condition = f"attribute_exists({kept.name('pk')}) AND {unfinished} AND {_free(kept, owner)}"
        try:
            self._update(message_id, kept, condition)
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            logger.warning("run not recorded: another delivery finished or holds the submission")

    def watched(self) -> list[Unfinished]:
        """The unfinished submissions the sweeper watches: a Query of the attention index per
        partition (they are few: each finishes, or the sweeper gives it up)."""
        found: list[dict[str, Any]] = []
        for number in range(PARTITIONS):
            key = Key("attention").eq(f"{WATCHED}#{number}")
            found += query(self._table, IndexName=ATTENTION_INDEX, KeyConditionExpression=key)
        return [
            Unfinished(
                item["sk"],
                int(item["submission_count"]),
                datetime.fromisoformat(item.get("run_submitted_at", item["received_at"])),
            )
            for item in found
        ]

    def sweep_mark(self) -> datetime | None:
        item = self._table.get_item(Key=_SWEEP_MARK, ConsistentRead=True).get("Item")
        return datetime.fromisoformat(item["until"]) if item else None

    def mark_swept(self, until: datetime) -> None:
        self._table.put_item(Item=_SWEEP_MARK | {"until": isoformat(until)})

    def first_delivery(
        self, provider_id: str, delivery_id: str, message_id: str, window_hours: int
    ) -> str:
        """The message first stored with this delivery id of this provider in the window:
        `message_id` itself when it is the first (or the earlier record has expired)."""
        digest = hashlib.sha256(delivery_id.encode("utf-8", "replace")).hexdigest()
        key = {"pk": f"DELIVERY#{provider_id}#{digest}", "sk": "#DELIVERY"}
        now = int(time.time())
        try:
            self._table.put_item(
                Item=key | {"message_id": message_id, "expires_at": now + window_hours * 3600},
                ConditionExpression=Attr("pk").not_exists()
                | Attr("expires_at").lt(now)
                | Attr("message_id").eq(message_id),
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            item = self._table.get_item(Key=key, ConsistentRead=True).get("Item", {})
            return str(item.get("message_id", message_id))
        return message_id

    def _update(
        self, message_id: str, update: Update, condition: str, returns: str = "NONE"
    ) -> dict[str, Any]:
        """Update the message item under `condition`; the attributes `returns` asks for."""
        response = self._table.update_item(
            Key=message_key(message_id),
            ReturnValues=returns,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **update.arguments(condition),
        )
        attributes: dict[str, Any] = response.get("Attributes", {})
        return attributes

    def _update_if(self, message_id: str, update: Update, condition: str) -> None:
        """Update the message item if `condition` holds; nothing otherwise."""
        try:
            self._update(message_id, update, condition)
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def _expires(self, message: Message) -> int:
        return int((message.received_at + self.retention).timestamp())

    # reads ------------------------------------------------------------------------------

    def _item(self, message_id: str) -> dict[str, Any]:
        item = self._table.get_item(Key=message_key(message_id), ConsistentRead=True).get("Item")
        if item is None or _expired(item):
            raise NotFoundError(f"message {message_id} not found")
        return dict(item)

    def _items(self, message_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The items of the stored messages among `message_ids`, by id; a BatchGetItem per
        100 ids."""
        wanted = [m for m in dict.fromkeys(message_ids) if m and len(m) <= MAX_ID_LENGTH]
        keys = [_typed(message_key(m)) for m in wanted]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            for item in self._batch_get(keys[start : start + 100]):
                if not _expired(item):
                    found[item["sk"]] = item
        return found

    def _batch_get(self, keys: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The items of `keys` (at most 100), asked again while some are left unprocessed."""
        request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
        while request:
            response = client("dynamodb").batch_get_item(RequestItems=request)
            for raw in response["Responses"].get(self.table_name, []):
                yield {name: _deserializer.deserialize(value) for name, value in raw.items()}
            request = response.get("UnprocessedKeys") or {}

    def _own_items(self, message_id: str) -> dict[str, dict[str, Any]]:
        """What the message's own partition holds (body, spilled records), by sort key."""
        key = Key("pk").eq(own_partition(message_id))
        return {item["sk"]: item for item in query(self._table, KeyConditionExpression=key)}

    def _body(self, message_id: str, item: dict[str, Any]) -> bytes:
        body = body_in_item(item)
        if body is not None:
            return body
        if "body_key" in item:
            return self.payloads.get(item["body_key"])
        # Written once, before the message was acknowledged: an eventually consistent read
        # finds it whole or (just after ingest) not at all, and then a consistent one does.
        key = {"pk": own_partition(message_id), "sk": "#BODY"}
        found = self._table.get_item(Key=key).get("Item")
        found = found or self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not found:
            raise BodyMissingError(f"the body is no longer stored ({message_id} #BODY)")
        return unpack(found["body"])

    def unknown_ids(self, message_ids: Sequence[str]) -> list[str]:
        """The ids among `message_ids` of no stored message."""
        found = self._items(message_ids)
        return [message_id for message_id in message_ids if message_id not in found]

    def find_messages(self, message_ids: Sequence[str]) -> dict[str, Message]:
        """The stored messages among `message_ids`, by id, without their bodies."""
        return {m: message_from_item(item) for m, item in self._items(message_ids).items()}

    def get_message(self, message_id: str) -> Message:
        item = self._item(message_id)
        return message_from_item(item, self._body(message_id, item))

    def list_messages(self, filters: MessageFilter, limit: int, cursor: str | None) -> Page:
        items, next_cursor = self.list.page(filters, limit, cursor)
        return Page([message_from_item(item, head=False) for item in items], next_cursor)

    def get_detail(self, message_id: str) -> MessageDetail:
        """The message and its history: one read, and a Query of its own partition when a
        body or a record lives there."""
        item = self._item(message_id)
        body, own = self._detail_body(message_id, item)
        records = _records(item) | spilled_records(own)
        return MessageDetail(
            message=message_from_item(item, body),
            submissions=[records[number][0] for number in sorted(records)],
            executions=[e for number in sorted(records) for e in records[number][1]],
            body_size=int(item.get("body_size", 0)),
            body_in_payloads="body_key" in item,
        )

    def _detail_body(
        self, message_id: str, item: dict[str, Any]
    ) -> tuple[bytes, dict[str, dict[str, Any]]]:
        """The body as a detail shows it (empty when in the payload bucket), and what the
        message's own partition holds, read only when a body or a record lives there."""
        body = body_in_item(item)
        in_own = body is None and "body_key" not in item
        own = self._own_items(message_id) if item.get("spilled") or in_own else {}
        if in_own:
            body = unpack(own["#BODY"]["body"]) if "#BODY" in own else b""
        return body or b"", own

    def get_body(self, message_id: str) -> StoredBody:
        item = self._item(message_id)
        size = int(item.get("body_size", 0))
        kind = message_from_item(item).headers.get("content-type", "")
        if "body_key" in item:
            return StoredBody(
                size, kind, url=self.payloads.link(item["body_key"], BODY_LINK_SECONDS)
            )
        return StoredBody(size, kind, data=self._body(message_id, item))


def _expired(item: dict[str, Any]) -> bool:
    """Past its retention: gone for readers, though DynamoDB's TTL may delete it days later
    (its body in the payload bucket may be gone already)."""
    return "expires_at" in item and int(item["expires_at"]) < time.time()


def _free(update: Update, owner: str | None) -> str:
    """The condition: no live lease on the item but `owner`'s."""
    name, expires = update.name("lease_owner"), update.name("lease_expires")
    free = f"attribute_not_exists({name}) OR {expires} < {update.value(_epoch(time.time()))}"
    return f"({free} OR {name} = {update.value(owner)})" if owner else f"({free})"


def _unfinished(item: dict[str, Any], submission: int) -> bool:
    """`submission` is the item's latest and has not finished."""
    latest = int(item.get("submission_count", 0)) == submission
    return latest and int(item.get("finished", 0)) < submission


def _leased_to(item: dict[str, Any], owner: str, submission: int) -> bool:
    """The item's latest submission, unfinished, is leased to `owner` (a claim's lost answer)."""
    return item.get("lease_owner") == owner and _unfinished(item, submission)


def _outcome(message_id: str, outcome: Outcome) -> Update:
    """The message's columns as a submission's outcome sets them."""
    update = Update().set("status", outcome.status.value)
    for name in ("provider", "summary", "reason", "duplicate_of"):
        update.set(name, getattr(outcome, name))
    update.set("attention", attention_key(message_id, outcome.status))
    names = {execution.function for execution in outcome.executions}
    return update.add("functions", names) if names else update


def _keep(update: Update, submission: int, record: bytes | None) -> Update:
    """Keep a finished submission's record: folded in, or noted as spilled."""
    if record is None:
        return update.add("spilled", {submission})
    return update.set(record_name(submission), record)


def _records(item: dict[str, Any]) -> Records:
    """The message's submissions with their executions, as its item holds them: the folded
    records, and the latest submission while it has none."""
    records = {
        int(name.removeprefix("rec_")): record_from_value(value)
        for name, value in item.items()
        if name.startswith("rec_")
    }
    latest = int(item["submission_count"])
    if latest not in records and "run_mode" in item:
        records[latest] = (current_submission(item), [])
    return records


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's JSON, as the client (not the resource) takes it."""
    return {name: _serializer.serialize(value) for name, value in item.items()}


def _item_of(error: ClientError) -> dict[str, Any] | None:
    """The item as it was when a condition failed (ReturnValuesOnConditionCheckFailure)."""
    raw = error.response.get("Item")
    if not raw:
        return None
    return {name: _deserializer.deserialize(value) for name, value in raw.items()}


def _refusal(message_id: str, submission: int, item: dict[str, Any] | None) -> Claim:
    """Why a claim failed: superseded, finished, or leased to another delivery."""
    if item is None:
        raise NotFoundError(f"message {message_id} not found")
    latest = int(item["submission_count"])
    if submission > latest:
        raise NotFoundError(f"message {message_id} has no submission {submission}")
    if submission < latest:
        return Claim(None, ClaimRefusal.SUPERSEDED)
    if int(item.get("finished", 0)) >= submission:
        return Claim(None, ClaimRefusal.FINISHED)
    return Claim(None, ClaimRefusal.LEASED)
