"""Messages, submissions and executions in the DynamoDB messages table.

One partition per message (`pk = MSG#<id>`): the message item (`#MESSAGE`), its body when it
fits inline (`#BODY`, so the time index never carries bodies), one item per submission
(`SUB#00001`) and one per execution (`EXEC#00001#<function id>`). The `by_time` index is keyed
by day and shard (`2026-11-29#3`) so that writes spread over partitions; listing merges shards.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from webhook_engine.adapters.clients import dynamodb_table
from webhook_engine.errors import NotFoundError, ValidationError
from webhook_engine.models import Execution, Message, MessageDetail, Mode, Status, Submission
from webhook_engine.ports import MessageFilter, Outcome, Page, PayloadStore
from webhook_engine.timeutil import isoformat


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
        self.shards = shards

    @property
    def _table(self) -> Any:
        return dynamodb_table(self.table_name)

    def _expires_at(self, received_at: datetime) -> int:
        return int((received_at + self.retention).timestamp())

    def _index_keys(self, message: Message) -> dict[str, str]:
        shard = zlib.crc32(message.id.encode()) % self.shards
        stamp = isoformat(message.received_at)
        return {"gsi1pk": f"{stamp[:10]}#{shard}", "gsi1sk": f"{stamp}#{message.id}"}

    # writes ---------------------------------------------------------------------------------

    def put_message(self, message: Message, mode: Mode) -> None:
        """Store a new message, its body and its first submission in one batch.

        A batch rather than a transaction: ids are new, so there is nothing to guard, it costs
        half the write capacity, and moto copies the whole table for each transaction item.
        Readers treat a message as stored once its `#MESSAGE` item exists.
        """
        pk, expires = _pk(message.id), self._expires_at(message.received_at)
        item = _message_item(message) | self._index_keys(message)
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

    def add_submission(self, message_id: str, mode: Mode) -> Submission:
        """Number a new submission of an existing message and mark the message RECEIVED."""
        try:
            response = self._table.update_item(
                Key={"pk": _pk(message_id), "sk": "#MESSAGE"},
                UpdateExpression="ADD submission_count :one SET #s = :received",
                ConditionExpression=Attr("pk").exists(),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":one": 1, ":received": Status.RECEIVED.value},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            _raise_not_found(error, message_id)
        attributes = response["Attributes"]
        submission = Submission(
            submission=int(attributes["submission_count"]),
            mode=mode,
            submitted_at=datetime.now(UTC),
        )
        item = _submission_item(_pk(message_id), submission)
        self._table.put_item(Item=item | {"expires_at": attributes["expires_at"]})
        return submission

    def claim_submission(self, message_id: str, submission: int) -> Submission | None:
        """Mark a submission PROCESSING; None when it has already finished (a duplicate)."""
        now = isoformat(datetime.now(UTC))
        try:
            response = self._table.update_item(
                Key={"pk": _pk(message_id), "sk": _sub_sk(submission)},
                UpdateExpression="SET #s = :processing, started_at = :now ADD attempts :one",
                ConditionExpression=Attr("pk").exists()
                & Attr("status").is_in([Status.RECEIVED.value, Status.PROCESSING.value]),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":processing": Status.PROCESSING.value,
                    ":now": now,
                    ":one": 1,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                self._require_submission(message_id, submission)
                return None
            raise
        self._set_message_status(message_id, submission, Status.PROCESSING)
        return _submission_from_item(response["Attributes"])

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
            ":message": outcome.message,
        }
        aliases = {"#s": "status", "#p": "provider", "#m": "message"}
        update = "SET #s = :status, #p = :provider, #m = :message"
        if names:
            update += " ADD #f :names"
            aliases["#f"] = "functions"
            values[":names"] = set(names)
        try:
            self._table.update_item(
                Key={"pk": pk, "sk": "#MESSAGE"},
                UpdateExpression=update,
                ConditionExpression=Attr("submission_count").lte(submission.submission),
                ExpressionAttributeNames=aliases,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def _set_message_status(self, message_id: str, submission: int, status: Status) -> None:
        try:
            self._table.update_item(
                Key={"pk": _pk(message_id), "sk": "#MESSAGE"},
                UpdateExpression="SET #s = :status",
                ConditionExpression=Attr("submission_count").lte(submission),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":status": status.value},
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    # reads ----------------------------------------------------------------------------------

    def _require_submission(self, message_id: str, submission: int) -> None:
        key = {"pk": _pk(message_id), "sk": _sub_sk(submission)}
        if "Item" not in self._table.get_item(Key=key):
            raise NotFoundError(f"message {message_id} has no submission {submission}")

    def _partition(self, message_id: str, head_only: bool = False) -> dict[str, dict[str, Any]]:
        """The message's items by sort key; `head_only`: just `#MESSAGE` and `#BODY`."""
        items: list[dict[str, Any]] = []
        key = Key("pk").eq(_pk(message_id))
        if head_only:
            key = key & Key("sk").begins_with("#")
        kwargs: dict[str, Any] = {"KeyConditionExpression": key}
        while True:
            response = self._table.query(**kwargs)
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
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

    def get_detail(self, message_id: str) -> MessageDetail:
        items = self._partition(message_id)
        message = self._message(items)
        submissions = [_submission_from_item(i) for k, i in items.items() if k.startswith("SUB#")]
        executions = [
            Execution.model_validate_json(i["data"])
            for k, i in items.items()
            if k.startswith("EXEC#")
        ]
        return MessageDetail(message=message, submissions=submissions, executions=executions)

    def list_messages(self, filters: MessageFilter, limit: int, cursor: str | None) -> Page:
        """Newest first: walk the days back from the cursor, merging each day's shards."""
        now = datetime.now(UTC)
        since = max(filters.since or now - self.retention, now - self.retention)
        upper = _decode_cursor(cursor) if cursor else isoformat(filters.until or now) + "~"
        lower = isoformat(since)
        found: list[dict[str, Any]] = []
        day = datetime.fromisoformat(upper[:10]).date()
        while len(found) < limit and day >= since.date():
            found.extend(self._query_day(day.isoformat(), lower, upper, filters, limit))
            day -= timedelta(days=1)
        found.sort(key=lambda item: item["gsi1sk"], reverse=True)
        page = found[:limit]
        has_more = len(found) > limit or (len(page) == limit and day >= since.date())
        next_cursor = _encode_cursor(page[-1]["gsi1sk"]) if page and has_more else None
        return Page(items=[_message_from_item(item, b"") for item in page], next_cursor=next_cursor)

    def _query_day(
        self, day: str, lower: str, upper: str, filters: MessageFilter, limit: int
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        condition = _filter_condition(filters)
        for shard in range(self.shards):
            key = Key("gsi1pk").eq(f"{day}#{shard}") & Key("gsi1sk").between(lower, upper)
            items.extend(self._query_index(key, condition, limit))
        return [item for item in items if item["gsi1sk"] < upper]

    def _query_index(
        self, key: ConditionBase, condition: ConditionBase | None, limit: int
    ) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "IndexName": "by_time",
            "KeyConditionExpression": key,
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if condition is not None:
            kwargs["FilterExpression"] = condition
        count = 0
        while count <= limit:
            response = self._table.query(**kwargs)
            for item in response["Items"]:
                count += 1
                yield item
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _filter_condition(filters: MessageFilter) -> ConditionBase | None:
    parts: list[ConditionBase] = []
    if filters.status:
        parts.append(Attr("status").eq(filters.status.value))
    if filters.provider:
        parts.append(Attr("provider").eq(filters.provider))
    if filters.uri:
        parts.append(Attr("uri").eq(filters.uri))
    if filters.function:
        parts.append(Attr("functions").contains(filters.function))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


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
    evaluations = [evaluation.model_dump(mode="json") for evaluation in submission.evaluations]
    return data | {
        "pk": pk,
        "sk": _sub_sk(submission.submission),
        "evaluations": json.dumps(evaluations),
    }


def _submission_from_item(item: dict[str, Any]) -> Submission:
    fields = {name: item[name] for name in Submission.model_fields if name in item}
    fields["evaluations"] = json.loads(item.get("evaluations", "[]"))
    fields["submission"] = int(item["submission"])
    fields["attempts"] = int(item.get("attempts", 0))
    return Submission.model_validate(fields)


def _execution_item(pk: str, execution: Execution) -> dict[str, Any]:
    sk = f"EXEC#{execution.submission:05d}#{execution.function_id}"
    return {"pk": pk, "sk": sk, "data": execution.model_dump_json()}


def _encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        datetime.fromisoformat(value[:10])
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValidationError("cursor is not valid") from error
    return value


def _is_condition_failure(error: ClientError) -> bool:
    code: str = error.response.get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def _raise_not_found(error: ClientError, message_id: str) -> None:
    if _is_condition_failure(error):
        raise NotFoundError(f"message {message_id} not found") from error
    raise error
