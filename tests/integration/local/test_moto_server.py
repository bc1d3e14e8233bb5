"""The local stack's moto server: moto's answers over kept-alive connections."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError
from moto.sqs.models import sqs_backends

from webhooks_local.aws import local_session
from webhooks_local.moto_server import MotoServer


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = MotoServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.endpoint
    server.shutdown()


@pytest.fixture
def connection(endpoint: str) -> Iterator[http.client.HTTPConnection]:
    address = urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    yield connection
    connection.close()


def _client(endpoint, service):
    return local_session().client(service, endpoint_url=endpoint)


def test_aws_calls_get_moto_answers(endpoint):
    # Given a table and a queue in the server's moto
    dynamodb, sqs = _client(endpoint, "dynamodb"), _client(endpoint, "sqs")
    dynamodb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]

    # When items are written and read back, and a message goes through the queue
    for n in range(3):
        dynamodb.put_item(TableName="items", Item={"pk": {"S": f"k{n}"}, "v": {"N": str(n)}})
    item = dynamodb.get_item(TableName="items", Key={"pk": {"S": "k2"}})["Item"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    received = sqs.receive_message(QueueUrl=queue)["Messages"]

    # Then
    assert item == {"pk": {"S": "k2"}, "v": {"N": "2"}}
    assert [message["Body"] for message in received] == ["hello"]


def test_requests_follow_each_other_on_one_connection(connection):
    # Given one connection
    connection.connect()
    opened = connection.sock

    # When three requests, one with a body that moto does not read, go over it
    answers = []
    for method, body in (("GET", None), ("POST", b"unread body"), ("GET", None)):
        connection.request(method, "/moto-api/data.json", body)
        response = connection.getresponse()
        answers.append((response.status, response.read()[:1]))

    # Then each was answered in full and the socket was never reopened
    assert answers == [(200, b"{")] * 3
    assert connection.sock is opened


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Transfer-Encoding": "chunked"}, 411),
        ({"Content-Length": "-1"}, 400),
        ({"Content-Length": "many"}, 400),
    ],
)
def test_a_body_without_a_usable_length_is_refused_and_the_connection_closed(
    connection, headers, status
):
    # When
    connection.putrequest("POST", "/")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()

    # Then
    assert response.status == status
    assert response.getheader("Connection") == "close"


def test_a_message_past_the_queues_retention_is_not_received(endpoint):
    # Given queues keeping messages 60 s, one with a message sent 61 s ago, one 59 s ago
    sqs = _client(endpoint, "sqs")
    bodies = {}
    for name, age_ms in (("expired", 61_000), ("kept", 59_000)):
        attributes = {"MessageRetentionPeriod": "60"}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=name)
        queue = sqs_backends["123456789012"]["us-east-1"].get_queue(name)
        queue._messages[0].sent_timestamp -= age_ms

        # When each queue is read
        bodies[name] = [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])]

    # Then only the message within the retention period comes back
    assert bodies == {"expired": [], "kept": ["kept"]}


def _updates_table(dynamodb, name):
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


UPDATES = [  # each kind of action and function moto evaluates
    "SET #n = if_not_exists(#n, :zero) + :one, tags = list_append(:empty, :tags)",
    "SET doc = :doc REMOVE gone ADD counts :set",
    "SET doc.part[1] = :one, tags = list_append(tags, :tags) DELETE counts :set",
    "SET #n = #n - :one REMOVE doc.part[0]",
]
VALUES = {
    ":zero": {"N": "0"},
    ":one": {"N": "1"},
    ":empty": {"L": []},
    ":tags": {"L": [{"S": "a"}]},
    ":doc": {"M": {"part": {"L": [{"S": "x"}, {"S": "y"}]}}},
    ":set": {"SS": ["s"]},
}


def test_update_expressions_parsed_once_answer_as_parsed_each_time(endpoint):
    # Given two items in a table
    dynamodb = _client(endpoint, "dynamodb")
    _updates_table(dynamodb, "updates")

    # When each update expression is applied to the first item (parsed by moto), then to the
    # second (the parse kept), each call sending only the values its expression names
    answers = {}
    for pk in ("first", "second"):
        for expression in UPDATES:
            values = {k: v for k, v in VALUES.items() if k in expression}
            answers.setdefault(pk, []).append(
                dynamodb.update_item(
                    TableName="updates",
                    Key={"pk": {"S": pk}},
                    UpdateExpression=expression,
                    ExpressionAttributeNames={"#n": "n"} if "#n" in expression else {},
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )["Attributes"]
            )

    # Then both items went through the same states, the ones DynamoDB's rules give
    for first, second in zip(answers["first"], answers["second"], strict=True):
        assert {**first, "pk": {"S": "second"}} == second
    assert answers["first"][-1] == {
        "pk": {"S": "first"},
        "n": {"N": "0"},
        "tags": {"L": [{"S": "a"}, {"S": "a"}]},
        "doc": {"M": {"part": {"L": [{"N": "1"}]}}},
    }


def test_an_update_expression_that_does_not_parse_is_refused_every_time(endpoint):
    # Given a table
    dynamodb = _client(endpoint, "dynamodb")
    _updates_table(dynamodb, "refusals")

    # When the same broken expression is sent twice
    errors = []
    for _ in range(2):
        with pytest.raises(ClientError) as refused:
            dynamodb.update_item(
                TableName="refusals", Key={"pk": {"S": "k"}}, UpdateExpression="SET a = "
            )
        errors.append(refused.value.response["Error"])

    # Then moto's syntax error comes back each time, and nothing was written
    assert errors[0] == errors[1]
    assert errors[0]["Code"] == "ValidationException"
    assert "Syntax error" in errors[0]["Message"]
    assert "Item" not in dynamodb.get_item(TableName="refusals", Key={"pk": {"S": "k"}})


def test_queue_counts_are_moto_counts_with_one_clock_reading(endpoint):
    # Given a queue with messages waiting, in flight and delayed
    sqs = _client(endpoint, "sqs")
    url = sqs.create_queue(QueueName="counted")["QueueUrl"]
    for body in ("taken", "waiting-1", "waiting-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    queue = sqs_backends["123456789012"]["us-east-1"].get_queue("counted")

    # When the queue counts them, and GetQueueAttributes reports them
    counts = (
        queue.approximate_number_of_messages,
        queue.approximate_number_of_messages_not_visible,
        queue.approximate_number_of_messages_delayed,
    )
    reported = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    # Then they are the counts of moto's own rules for each message, and SQS's answer
    messages = queue._messages
    assert [m.body for m in queue.messages] == [
        m.body for m in messages if m.visible and not m.delayed
    ]
    assert counts == (
        len([m for m in messages if m.visible and not m.delayed]),
        len([m for m in messages if not m.visible]),
        len([m for m in messages if m.delayed]),
    )
    assert counts == (2, 1, 1)
    assert [
        reported[name]
        for name in (
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        )
    ] == ["2", "1", "1"]
