"""The local stack's moto server: moto's answers over kept-alive connections."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
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
