"""The message move tasks the local stack adds to moto's SQS, through boto3 as on AWS."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from webhooks_testbed import sqs_move_tasks


@pytest.fixture
def sqs(aws_credentials: None) -> Iterator[Any]:
    sqs_move_tasks.install()
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def queue(sqs, name: str, dead_letters: str | None = None) -> tuple[str, str]:
    """A queue's URL and ARN; with `dead_letters`, redriving to that queue after 1 receive."""
    attributes = {}
    if dead_letters:
        redrive = {"deadLetterTargetArn": dead_letters, "maxReceiveCount": 1}
        attributes["RedrivePolicy"] = json.dumps(redrive)
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def bodies(sqs, url: str) -> list[str]:
    found: list[str] = []
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        found += [
            m["Body"] + m.get("MessageAttributes", {}).get("n", {}).get("StringValue", "")
            for m in messages
        ]
    return sorted(found)


def error_code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def test_dead_letters_move_back_to_the_queue_whose_redrive_policy_names_them(sqs):
    # Given twelve messages in a dead-letter queue (more than one receive's worth)
    dlq_url, dlq_arn = queue(sqs, "dlq")
    source_url, _ = queue(sqs, "source", dead_letters=dlq_arn)
    for n in range(12):
        sqs.send_message(
            QueueUrl=dlq_url,
            MessageBody=f"m{n:02}",
            MessageAttributes={"n": {"DataType": "String", "StringValue": f"#{n}"}},
        )

    # When
    task = sqs.start_message_move_task(SourceArn=dlq_arn)

    # Then they are all in the source queue, with their attributes, and the DLQ is empty
    assert task["TaskHandle"]
    assert bodies(sqs, source_url) == sorted(f"m{n:02}#{n}" for n in range(12))
    assert bodies(sqs, dlq_url) == []


def test_moved_messages_start_their_receive_count_again(sqs):
    # Given a message that reached the dead-letter queue after its one receive
    dlq_url, dlq_arn = queue(sqs, "dlq")
    source_url, source_arn = queue(sqs, "source", dead_letters=dlq_arn)
    sqs.send_message(QueueUrl=source_url, MessageBody="poison")
    sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0)
    sqs.receive_message(QueueUrl=source_url)  # moto moves it to the DLQ at this receive
    waiting = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]

    # When
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=source_arn)

    # Then it is received from the source queue as a first delivery
    [message] = sqs.receive_message(
        QueueUrl=source_url, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )["Messages"]
    assert waiting["ApproximateNumberOfMessages"] == "1"
    assert message["Body"] == "poison"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"


def test_destination_arn_chooses_where_they_go(sqs):
    # Given
    dlq_url, dlq_arn = queue(sqs, "dlq")
    source_url, _ = queue(sqs, "source", dead_letters=dlq_arn)
    other_url, other_arn = queue(sqs, "other")
    sqs.send_message(QueueUrl=dlq_url, MessageBody="m")

    # When
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=other_arn)

    # Then
    assert (bodies(sqs, other_url), bodies(sqs, source_url)) == (["m"], [])


def test_finished_tasks_are_listed_newest_first(sqs):
    # Given two tasks, the second moving two messages
    dlq_url, dlq_arn = queue(sqs, "dlq")
    _, source_arn = queue(sqs, "source", dead_letters=dlq_arn)
    sqs.start_message_move_task(SourceArn=dlq_arn)
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=dlq_url, MessageBody=body)
    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=50)

    # When
    latest = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    both = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]

    # Then
    assert len(latest) == 1
    assert {key: value for key, value in latest[0].items() if key != "StartedTimestamp"} == {
        "Status": "COMPLETED",
        "SourceArn": dlq_arn,
        "DestinationArn": source_arn,
        "ApproximateNumberOfMessagesMoved": 2,
        "ApproximateNumberOfMessagesToMove": 2,
        "MaxNumberOfMessagesPerSecond": 50,
    }
    assert [task["ApproximateNumberOfMessagesMoved"] for task in both] == [2, 0]


def test_refusals(sqs):
    # Given a queue that no queue uses as its dead-letter queue, and one that two queues use
    _, plain_arn = queue(sqs, "plain")
    _, shared_arn = queue(sqs, "shared-dlq")
    queue(sqs, "first", dead_letters=shared_arn)
    queue(sqs, "second", dead_letters=shared_arn)
    missing = "arn:aws:sqs:us-east-1:123456789012:missing"

    # When / Then
    assert error_code(lambda: sqs.start_message_move_task(SourceArn=plain_arn)) == (
        "InvalidParameterValue"
    )
    assert error_code(lambda: sqs.start_message_move_task(SourceArn=shared_arn)) == (
        "InvalidParameterValue"
    )
    assert (
        error_code(
            lambda: sqs.start_message_move_task(SourceArn=shared_arn, DestinationArn=shared_arn)
        )
        == "InvalidParameterValue"
    )
    assert error_code(lambda: sqs.start_message_move_task(SourceArn=missing)) == (
        "ResourceNotFoundException"
    )
    assert error_code(lambda: sqs.list_message_move_tasks(SourceArn=missing)) == (
        "ResourceNotFoundException"
    )
