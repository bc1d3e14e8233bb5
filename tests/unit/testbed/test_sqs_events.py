"""SQS events as the event source mapping builds them, and how it reads the batch answer."""

import base64

import pytest

from webhooks_testbed.sqs_events import SqsSource, failed_ids, sqs_event

SOURCE = SqsSource(
    function_id="ProcessFunction",
    queue_url="http://127.0.0.1:5000/123456789012/local-queue",
    queue_arn="arn:aws:sqs:us-east-1:123456789012:local-queue",
    region="us-east-1",
    batch_size=10,
    report_failures=True,
)
IDS = ["m1", "m2", "m3"]


def test_event_records_carry_message_attributes_and_source():
    # Given
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "handle-1",
        "MD5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
        "Body": '{"message_id": "01J", "submission": 1}',
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1741806238530"},
        "MD5OfMessageAttributes": "abc",
        "MessageAttributes": {
            "kind": {"StringValue": "push", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }

    # When
    event = sqs_event([message], SOURCE)

    # Then
    assert event == {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "handle-1",
                "body": '{"message_id": "01J", "submission": 1}',
                "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1741806238530"},
                "messageAttributes": {
                    "kind": {
                        "stringValue": "push",
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": "String",
                    },
                    "blob": {
                        "binaryValue": base64.b64encode(b"\x00\x01").decode(),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": "Binary",
                    },
                },
                "md5OfBody": "d41d8cd98f00b204e9800998ecf8427e",
                "md5OfMessageAttributes": "abc",
                "eventSource": "aws:sqs",
                "eventSourceARN": SOURCE.queue_arn,
                "awsRegion": "us-east-1",
            }
        ]
    }


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({}, set()),
        (None, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(IDS)),
        ({"batchItemFailures": [{"id": "m2"}]}, set(IDS)),
        ({"batchItemFailures": ["m2"]}, set(IDS)),
        ("not an object", set(IDS)),
    ],
)
def test_batch_answer_names_the_records_to_retry(response, failed):
    # When / Then
    assert failed_ids(response, IDS, report_failures=True) == failed


def test_without_partial_failures_any_answer_is_a_success():
    # When / Then
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "m2"}]}, IDS, False) == set()
