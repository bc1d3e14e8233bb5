"""SQS event sources as Lambda's event source mapping sees them: sources, events, batch results."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from webhooks_testbed import template as cfn

RECEIVE_LIMIT = 10  # messages per ReceiveMessage


@dataclass(frozen=True)
class SqsSource:
    """One `SQS` event of a function, resolved to the provisioned queue."""

    function_id: str
    queue_url: str
    queue_arn: str
    region: str
    batch_size: int
    report_failures: bool


def sources(stack: cfn.ProvisionedStack, template: dict[str, Any] | None = None) -> list[SqsSource]:
    """The template's SQS event sources."""
    found = []
    for function_id in cfn.functions(template):
        for event in cfn.function_spec(function_id, template).events.values():
            if event.type != "SQS":
                continue
            queue = str(event.properties["Queue"])
            found.append(
                SqsSource(
                    function_id=function_id,
                    queue_url=stack.refs[queue],
                    queue_arn=stack.attrs[(queue, "Arn")],
                    region=stack.region,
                    batch_size=min(int(event.properties.get("BatchSize", 10)), RECEIVE_LIMIT),
                    report_failures="ReportBatchItemFailures"
                    in event.properties.get("FunctionResponseTypes", []),
                )
            )
    return found


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as ReceiveMessage gives it, in the event's camelCase with base64."""
    attribute: dict[str, Any] = {
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [
            base64.b64encode(item).decode() for item in value.get("BinaryListValues", [])
        ],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def sqs_record(message: dict[str, Any], source: SqsSource) -> dict[str, Any]:
    """One record of the event, from one message of a ReceiveMessage answer."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": source.queue_arn,
        "awsRegion": source.region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: list[dict[str, Any]], source: SqsSource) -> dict[str, Any]:
    """The event Lambda receives for a batch of messages."""
    return {"Records": [sqs_record(message, source) for message in messages]}


def failed_ids(response: Any, message_ids: list[str], report_failures: bool) -> set[str]:
    """The messages to retry after the handler returned `response`.

    Without ReportBatchItemFailures any answer is a success. With it, a null or empty answer
    is a success; an answer that is not an object, or names an item badly, fails them all.
    """
    if not report_failures or response is None:
        return set()
    if not isinstance(response, dict):
        return set(message_ids)
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    try:
        named = {item["itemIdentifier"] for item in failures}
    except (KeyError, TypeError):
        return set(message_ids)
    return named if named <= set(message_ids) else set(message_ids)
