"""Messages, submissions and executions in the DynamoDB messages table.

One partition per message (`pk = MSG#<id>`): the message item (`#MESSAGE`), its body when it
fits inline (`#BODY`, so the time index never carries bodies), one item per submission
(`SUB#00001`) and one per execution (`EXEC#00001#<function id>`). Listing goes through the
`by_time` index (time_index.py).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from webhook_engine.adapters.clients import client, dynamodb_table
from webhook_engine.adapters.dynamo import is_condition_failure, query
from webhook_engine.adapters.time_index import TimeIndex
from webhook_engine.domain.errors import ConflictError, NotFoundError
from webhook_engine.domain.models import (
    Execution,
    LogEntry,
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
)
from webhook_engine.domain.times import isoformat

# How long a link to a body in the payload bucket stays valid.
BODY_LINK_SECONDS = 300
# What a submission item keeps of its evaluations, within DynamoDB's 400 KB item size.
EVALUATIONS_BYTES = 300_000
# A transaction holds 100 items; each new submission takes two (counter and item).
MAX_SUBMISSIONS_PER_WRITE = 50
_CLAIMABLE = [status.value for status in Status if status.claimable]
_serializer, _deserializer = TypeSerializer(), TypeDeserializer()


def _epoch(seconds: float) -> Decimal:
    """A time as DynamoDB stores numbers, to the millisecond."""
    return Decimal(f"{seconds:.3f}")


def _pk(message_id: str) -> str:
    return f"MSG#{message_id}"


def _sub_sk(submission: int) -> str:
    return f"SUB#{submission:05d}"


class DynamoMessageStore:
    def __init__(
        self,
        table_name: str,
        payloads: PayloadStore,
        *,
        inline_limit: int,
        retention_days: int,
        shards: int,
    ) -> None:
        self.table_name = table_name
        self.payloads = payloads
        self.inline_limit = inline_limit
        self.retention = timedelta(days=retention_days)
        self.index = TimeIndex(table_name, shards, self.retention)

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    @property
    def _client(self) -> Any:
        return client("dynamodb")

    def _expires_at(self, received_at: datetime) -> int:
        return int((received_at + self.retention).timestamp())

    def put_message(self, message: Message, mode: Mode) -> None:
        """Store a new message, its body and its first submission in one batch.

        A batch rather than a transaction: ids are new, so there is nothing to guard, it costs
        half the write capacity, and moto copies the whole table for each transaction item.
        Readers treat a message as stored once its `#MESSAGE` item exists.
        """
        pk, expires = _pk(message.id), self._expires_at(message.received_at)
        item = _message_item(message) | self.index.keys(message)
        item |= {"pk": pk, "sk": "#MESSAGE", "expires_at": expires, "body_size": len(message.body)}
        items = [item]
        if len(message.body) > self.inline_limit:
            item["body_key"] = f"payloads/{message.id}"
            self.payloads.put(item["body_key"], message.body)
        else:
            items.append({"pk": pk, "sk": "#BODY", "body": message.body, "expires_at": expires})
        first = Submission(submission=1, mode=mode, submitted_at=message.received_at)
        items.append(_submission_item(pk, first) | {"expires_at": expires})
        with self._table.batch_writer() as batch:
            for each in items:
                batch.put_item(Item=each)

    def add_submissions(self, message_ids: Sequence[str], mode: Mode) -> list[Submission]:
        """Number a new submission of each message, all or none, in one transaction.

        Each message's counter moves from the value just read to the next one only if no one
        moved it meanwhile, and the submission item is written with it: a counted submission
        always exists. Raises NotFoundError naming every unknown id before writing anything.
        """
        if len(message_ids) > MAX_SUBMISSIONS_PER_WRITE:
            raise ValueError(f"at most {MAX_SUBMISSIONS_PER_WRITE} messages per write")
        heads = self._heads(message_ids)
        missing = [message_id for message_id in message_ids if message_id not in heads]
        if missing:
            raise NotFoundError(f"messages not found: {', '.join(missing)}")
        now = datetime.now(UTC)
        submissions = [
            Submission(
                submission=int(heads[m]["submission_count"]) + 1, mode=mode, submitted_at=now
            )
            for m in message_ids
        ]
        actions: list[dict[str, Any]] = []
        for message_id, submission in zip(message_ids, submissions, strict=True):
            actions += self._submission_actions(heads[message_id], submission)
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise ConflictError("a message was resubmitted meanwhile; try again") from error
            raise
        return submissions

    def unknown_ids(self, message_ids: Sequence[str]) -> list[str]:
        """The ids among `message_ids` of no stored message."""
        heads = self._heads(message_ids)
        return [message_id for message_id in message_ids if message_id not in heads]

    def find_messages(self, message_ids: Sequence[str]) -> dict[str, Message]:
        """The stored messages among `message_ids`, by id, without their bodies."""
        heads = self._heads(message_ids, projection=None)
        return {message_id: _message_from_item(item, b"") for message_id, item in heads.items()}

    def _heads(
        self,
        message_ids: Sequence[str],
        projection: str | None = "pk, submission_count, expires_at",
    ) -> dict[str, dict[str, Any]]:
        """The `#MESSAGE` item of each existing message, by id, by default only its counter
        and expiry (`projection=None`: all of it); one BatchGetItem per 100 ids."""
        keys = [{"pk": {"S": _pk(m)}, "sk": {"S": "#MESSAGE"}} for m in dict.fromkeys(message_ids)]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            read: dict[str, Any] = {"Keys": keys[start : start + 100], "ConsistentRead": True}
            if projection:
                read["ProjectionExpression"] = projection
            request = {self.table_name: read}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for raw in response["Responses"].get(self.table_name, []):
                    item = {name: _deserializer.deserialize(value) for name, value in raw.items()}
                    found[item["pk"].removeprefix("MSG#")] = item
                request = response.get("UnprocessedKeys") or {}
        return found

    def _submission_actions(
        self, head: dict[str, Any], submission: Submission
    ) -> list[dict[str, Any]]:
        """Move the counter from the read value to `submission`, and write its item."""
        pk, number = head["pk"], submission.submission
        item = _submission_item(pk, submission) | {"expires_at": head["expires_at"]}
        return [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": {"pk": {"S": pk}, "sk": {"S": "#MESSAGE"}},
                    "UpdateExpression": "SET submission_count = :next, #s = :received",
                    "ConditionExpression": "submission_count = :read",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {
                        ":next": {"N": str(number)},
                        ":read": {"N": str(number - 1)},
                        ":received": {"S": Status.RECEIVED.value},
                    },
                }
            },
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _serializer.serialize(item)["M"],
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]

    def claim_submission(
        self, message_id: str, submission: int, owner: str, lease_seconds: float
    ) -> Claim:
        """Lease a submission to `owner` unless it has finished or another lease is live.

        `attempts` counts claims and `releases` the attempts that gave their lease back after
        an error, so the attempts that did neither were cut off (runtime killed, timed out).
        """
        now = time.time()
        try:
            response = self._table.update_item(
                Key={"pk": _pk(message_id), "sk": _sub_sk(submission)},
                UpdateExpression="SET #s = :processing, started_at = :now, lease_owner = :owner,"
                " lease_expires = :expires ADD attempts :one",
                ConditionExpression=Attr("pk").exists()
                & Attr("status").is_in(_CLAIMABLE)
                & (Attr("lease_expires").not_exists() | Attr("lease_expires").lt(_epoch(now))),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":processing": Status.PROCESSING.value,
                    ":now": isoformat(datetime.fromtimestamp(now, UTC)),
                    ":owner": owner,
                    ":expires": _epoch(now + lease_seconds),
                    ":one": 1,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return self._refusal(message_id, submission)
            raise
        item = response["Attributes"]
        cutoffs = int(item["attempts"]) - 1 - int(item.get("releases", 0))
        return Claim(_submission_from_item(item), cutoffs=cutoffs)

    def release_submission(self, message_id: str, submission: int, owner: str, reason: str) -> None:
        """Give a lease back after an error, so the next delivery may run it at once."""
        try:
            self._table.update_item(
                Key={"pk": _pk(message_id), "sk": _sub_sk(submission)},
                UpdateExpression="REMOVE lease_owner, lease_expires SET reason = :reason"
                " ADD releases :one",
                ConditionExpression=Attr("lease_owner").eq(owner),
                ExpressionAttributeValues={":reason": reason, ":one": 1},
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def settle(self, message_id: str, submission: int, status: Status, reason: str) -> None:
        """End an unfinished submission as `status` with `reason`, without running it."""
        try:
            self._table.update_item(
                Key={"pk": _pk(message_id), "sk": _sub_sk(submission)},
                UpdateExpression="SET #s = :status, reason = :reason",
                ConditionExpression=Attr("status").is_in(_CLAIMABLE),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":status": status.value, ":reason": reason},
            )
        except ClientError as error:
            if is_condition_failure(error):
                return
            raise
        self._update_if_latest(
            message_id,
            submission,
            "SET #s = :status, reason = :reason",
            {"#s": "status"},
            {":status": status.value, ":reason": reason},
        )

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

    def count_sweep(self, message_id: str, submission: int) -> int:
        """Count one more re-queueing of an unfinished submission; 0 if it has finished."""
        try:
            response = self._table.update_item(
                Key={"pk": _pk(message_id), "sk": _sub_sk(submission)},
                UpdateExpression="ADD sweeps :one",
                ConditionExpression=Attr("status").is_in(_CLAIMABLE),
                ExpressionAttributeValues={":one": 1},
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return 0
            raise
        return int(response["Attributes"]["sweeps"])

    def finish_submission(self, message: Message, submission: Submission, outcome: Outcome) -> None:
        """Record the executions, the submission's outcome and, if latest, the message's."""
        pk, expires = _pk(message.id), self._expires_at(message.received_at)
        with self._table.batch_writer() as batch:
            for execution in outcome.executions:
                batch.put_item(Item=_execution_item(pk, execution) | {"expires_at": expires})
            batch.put_item(Item=_submission_item(pk, submission) | {"expires_at": expires})
        names = sorted({execution.function for execution in outcome.executions})
        values: dict[str, Any] = {
            ":status": outcome.status.value,
            ":provider": outcome.provider,
            ":summary": outcome.summary,
            ":reason": outcome.reason,
            ":duplicate_of": outcome.duplicate_of,
        }
        aliases = {"#s": "status", "#p": "provider", "#m": "summary"}
        update = (
            "SET #s = :status, #p = :provider, #m = :summary, reason = :reason,"
            " duplicate_of = :duplicate_of"
        )
        if names:
            update += " ADD #f :names"
            aliases["#f"] = "functions"
            values[":names"] = set(names)
        self._update_if_latest(message.id, submission.submission, update, aliases, values)

    def _update_if_latest(
        self,
        message_id: str,
        submission: int,
        update: str,
        aliases: dict[str, str],
        values: dict[str, Any],
    ) -> None:
        """Update the message item unless a later submission has started since."""
        try:
            self._table.update_item(
                Key={"pk": _pk(message_id), "sk": "#MESSAGE"},
                UpdateExpression=update,
                ConditionExpression=Attr("submission_count").lte(submission),
                ExpressionAttributeNames=aliases,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    # reads ----------------------------------------------------------------------------------

    def _refusal(self, message_id: str, submission: int) -> Claim:
        """Why a claim failed: finished, or leased to another delivery (or no such thing)."""
        key = {"pk": _pk(message_id), "sk": _sub_sk(submission)}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFoundError(f"message {message_id} has no submission {submission}")
        if Status(item["status"]).claimable:
            return Claim(None, ClaimRefusal.LEASED)
        return Claim(None, ClaimRefusal.FINISHED)

    def _partition(self, message_id: str, head_only: bool = False) -> dict[str, dict[str, Any]]:
        """The message's items by sort key; `head_only`: just `#MESSAGE` and `#BODY`."""
        key = Key("pk").eq(_pk(message_id))
        if head_only:
            key = key & Key("sk").begins_with("#")
        items = list(query(self._table, KeyConditionExpression=key))
        if not any(item["sk"] == "#MESSAGE" for item in items):
            raise NotFoundError(f"message {message_id} not found")
        return {item["sk"]: item for item in items}

    def _message(self, items: dict[str, dict[str, Any]]) -> Message:
        head = items["#MESSAGE"]
        if "body_key" in head:
            body = self.payloads.get(head["body_key"])
        else:
            body = bytes(items["#BODY"]["body"]) if "#BODY" in items else b""
        return _message_from_item(head, body)

    def get_message(self, message_id: str) -> Message:
        return self._message(self._partition(message_id, head_only=True))

    def list_messages(self, filters: MessageFilter, limit: int, cursor: str | None) -> Page:
        items, next_cursor = self.index.page(filters, limit, cursor)
        return Page([_message_from_item(item, b"") for item in items], next_cursor)

    def get_detail(self, message_id: str) -> MessageDetail:
        items = self._partition(message_id)
        head = items["#MESSAGE"]
        in_payloads = "body_key" in head
        message = _message_from_item(head, b"") if in_payloads else self._message(items)
        submissions = [_submission_from_item(i) for k, i in items.items() if k.startswith("SUB#")]
        executions = [
            Execution.model_validate_json(i["data"])
            for k, i in items.items()
            if k.startswith("EXEC#")
        ]
        return MessageDetail(
            message=message,
            submissions=submissions,
            executions=executions,
            body_size=int(head.get("body_size", len(message.body))),
            body_in_payloads=in_payloads,
        )

    def get_body(self, message_id: str) -> StoredBody:
        items = self._partition(message_id, head_only=True)
        head = items["#MESSAGE"]
        size, kind = int(head.get("body_size", 0)), head.get("headers", {}).get("content-type", "")
        if "body_key" in head:
            url = self.payloads.link(head["body_key"], BODY_LINK_SECONDS)
            return StoredBody(size, kind, url=url)
        body = bytes(items["#BODY"]["body"]) if "#BODY" in items else b""
        return StoredBody(size, kind, data=body)


def _message_item(message: Message) -> dict[str, Any]:
    data = message.model_dump(mode="json", exclude={"body", "functions"})
    data["received_at"] = isoformat(message.received_at)
    if message.functions:
        data["functions"] = set(message.functions)
    return data


def _message_from_item(item: dict[str, Any], body: bytes) -> Message:
    fields = {name: item[name] for name in Message.model_fields if name in item}
    fields["functions"] = sorted(item.get("functions", ()))
    fields["submission_count"] = int(item.get("submission_count", 1))
    return Message.model_validate(fields | {"body": body})


def _submission_item(pk: str, submission: Submission) -> dict[str, Any]:
    data = submission.model_dump(mode="json", exclude={"evaluations"})
    return data | {
        "pk": pk,
        "sk": _sub_sk(submission.submission),
        "evaluations": _evaluations(submission),
    }


def _evaluations(submission: Submission) -> str:
    """The evaluations as JSON; without their logs when so many providers were tried that
    their logs would not fit the item (each evaluation's logs are bounded already)."""
    text = json.dumps([e.model_dump(mode="json") for e in submission.evaluations])
    if len(text) <= EVALUATIONS_BYTES:
        return text
    note = LogEntry(
        level="WARNING",
        message="logs dropped: this submission's evaluations were over the item size limit",
        at=submission.finished_at or datetime.now(UTC),
    )
    shortened = [e.model_copy(update={"logs": [note]}) for e in submission.evaluations]
    return json.dumps([e.model_dump(mode="json") for e in shortened])


def _submission_from_item(item: dict[str, Any]) -> Submission:
    fields = {name: item[name] for name in Submission.model_fields if name in item}
    fields["evaluations"] = json.loads(item.get("evaluations", "[]"))
    fields["submission"] = int(item["submission"])
    fields["attempts"] = int(item.get("attempts", 0))
    return Submission.model_validate(fields)


def _execution_item(pk: str, execution: Execution) -> dict[str, Any]:
    sk = f"EXEC#{execution.submission:05d}#{execution.function_id}"
    return {"pk": pk, "sk": sk, "data": execution.model_dump_json()}
