"""The gateway over a real socket: keep-alive, exact bodies, API Gateway's own answers."""

import http.client
import json
import socket
from typing import Any

import pytest

from webhooks_local.gateway import INTEGRATION_TIMEOUT, Gateway
from webhooks_local.workers import FunctionError, FunctionTimeout, PayloadTooLarge
from webhooks_testbed.apigateway import BODY_LIMIT, HEADER_LIMIT, Route
from webhooks_testbed.authorizer import iam_authorizer
from webhooks_testbed.lambdas import FunctionConfig


class Function:
    """A stand-in for a function's workers: records events, answers as told."""

    config = FunctionConfig(
        "IngestFunction", "local-IngestFunction", "x.handler", 28, 512, "us-east-1"
    )

    def __init__(self):
        self.events: list[dict[str, Any]] = []
        self.timeouts: list[float | None] = []
        self.error: Exception | None = None
        self.result: object = None

    def invoke(self, event: dict[str, Any], timeout: float | None = None) -> object:
        self.events.append(event)
        self.timeouts.append(timeout)
        if self.error:
            raise self.error
        return self.result or {
            "statusCode": 202,
            "headers": {"content-type": "application/json"},
            "cookies": ["seen=1"],
            "body": json.dumps({"body": event.get("body")}),
        }


TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def gateway():
    functions = {"IngestFunction": Function(), "AdminFunction": Function()}
    table = [
        Route("ANY", "/webhooks/{uri+}", "IngestFunction"),
        Route("ANY", "/admin/v1/{proxy+}", "AdminFunction", iam=True),
    ]
    gateway = Gateway(table, functions, port=0, token=TOKEN, quiet=True)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def function(gateway):
    gateway.workers["IngestFunction"] = Function()
    return gateway.workers["IngestFunction"]


@pytest.fixture
def admin(gateway):
    gateway.workers["AdminFunction"] = Function()
    return gateway.workers["AdminFunction"]


@pytest.fixture
def connection(gateway, function):
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    yield connection
    connection.close()


def test_answers_reuse_one_keep_alive_connection(connection, function):
    # When
    answers = []
    for body in (b'{"n": 1}', b'{"n": 2}'):
        connection.request("POST", "/webhooks/git/push", body, {"content-type": "application/json"})
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())))

    # Then
    assert answers == [(202, {"body": '{"n": 1}'}), (202, {"body": '{"n": 2}'})]
    assert len(function.events) == 2


def test_back_to_back_requests_of_every_kind_share_one_connection(connection, function):
    # Given one connection
    connection.connect()
    opened = connection.sock

    # When a POST, a GET and a HEAD follow each other on it
    statuses = []
    for method, body in (("POST", b"{}"), ("GET", None), ("HEAD", None)):
        connection.request(method, "/webhooks/git/push", body)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)

    # Then each was answered and the socket was never reopened
    assert statuses == [202, 202, 202]
    assert connection.sock is opened
    assert [event["requestContext"]["http"]["method"] for event in function.events] == [
        "POST",
        "GET",
        "HEAD",
    ]


def test_answers_leave_in_one_send_on_a_socket_without_nagle(gateway, connection, monkeypatch):
    # Given a record of what the gateway's side of a connection does to its socket
    options: list[tuple[int, int, int]] = []
    sends: list[bytes] = []
    set_option, send_all = socket.socket.setsockopt, socket.socket.sendall

    def setsockopt(sock, level, option, value):
        if sock.getsockname()[1] == gateway.port:
            options.append((level, option, int(value)))
        return set_option(sock, level, option, value)

    def sendall(sock, data, *flags):
        if sock.getsockname()[1] == gateway.port:
            sends.append(bytes(data))
        return send_all(sock, data, *flags)

    monkeypatch.setattr(socket.socket, "setsockopt", setsockopt)
    monkeypatch.setattr(socket.socket, "sendall", sendall)

    # When two requests follow each other on one connection
    bodies = []
    for body in (b'{"n": 1}', b'{"n": 2}'):
        connection.request("POST", "/webhooks/git/push", body)
        bodies.append(connection.getresponse().read())

    # Then Nagle's algorithm is off, and each answer, headers and body, is a single send
    assert (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) in options
    assert len(sends) == 2
    assert all(send.startswith(b"HTTP/1.1 202 Accepted\r\n") for send in sends)
    assert [send.split(b"\r\n\r\n", 1)[1] for send in sends] == bodies


def test_response_headers_and_cookies_are_written(connection):
    # When
    connection.request("GET", "/webhooks/x")
    response = connection.getresponse()
    response.read()

    # Then
    assert response.getheader("content-type") == "application/json"
    assert response.getheader("set-cookie") == "seen=1"
    assert response.getheader("apigw-requestid")


def test_chunked_body_is_read_exactly(connection, function):
    # When
    connection.request(
        "POST",
        "/webhooks/x",
        iter([b"ab", b"cd", b"\xff"]),
        {"content-type": "application/octet-stream"},
        encode_chunked=True,
    )
    connection.getresponse().read()

    # Then
    assert function.events[0]["body"] == "YWJjZP8="
    assert function.events[0]["isBase64Encoded"] is True


@pytest.mark.parametrize(
    "expect",
    [[], [("Expect", "100-continue")]],
    ids=["plain", "expect-continue"],
)
def test_body_over_ten_megabytes_is_refused_unread(connection, function, expect):
    # Given a declared body over the limit (a client that asks for 100 Continue first gets
    # the final answer instead)
    connection.putrequest("POST", "/webhooks/x")
    connection.putheader("Content-Length", str(BODY_LIMIT + 1))
    for name, value in expect:
        connection.putheader(name, value)
    connection.endheaders()

    # When
    response = connection.getresponse()

    # Then
    assert response.status == 413
    assert json.loads(response.read()) == {"message": "Request Entity Too Large"}
    assert function.events == []


def test_unknown_path_is_not_found(connection, function):
    # When
    connection.request("GET", "/nowhere")
    response = connection.getresponse()

    # Then
    assert (response.status, json.loads(response.read())) == (404, {"message": "Not Found"})
    assert function.events == []


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (FunctionError("Traceback: boom"), 500, "Internal Server Error"),
        (FunctionTimeout("Task timed out after 28.00 seconds"), 500, "Internal Server Error"),
        (PayloadTooLarge("Request payload exceeds 6291456 bytes"), 500, "Internal Server Error"),
    ],
)
def test_function_failures_get_api_gateway_answers(connection, function, error, status, message):
    # Given
    function.error = error

    # When
    connection.request("POST", "/webhooks/x", b"{}")
    response = connection.getresponse()

    # Then
    assert (response.status, json.loads(response.read())) == (status, {"message": message})


def test_malformed_result_is_an_internal_server_error(connection, function):
    # Given
    function.result = {"statusCode": "soon"}

    # When
    connection.request("POST", "/webhooks/x", b"{}")
    response = connection.getresponse()

    # Then
    assert (response.status, json.loads(response.read())) == (
        500,
        {"message": "Internal Server Error"},
    )


def test_head_answers_without_a_body(connection):
    # When
    connection.request("HEAD", "/webhooks/x")
    response = connection.getresponse()

    # Then
    assert response.status == 202
    assert response.read() == b""
    assert int(response.getheader("content-length")) > 0


def test_iam_route_with_the_token_gets_the_iam_authorizer_identity(connection, admin):
    # When
    connection.request("GET", "/admin/v1/health", headers={"Authorization": f"Bearer {TOKEN}"})
    connection.getresponse().read()

    # Then
    assert admin.events[0]["requestContext"]["authorizer"] == iam_authorizer()


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Authorization", "Bearer wrong")],
        [("Authorization", f"Bearer {TOKEN[:-1]}")],
        [("Authorization", f"Basic {TOKEN}")],
        [("Authorization", TOKEN)],
        [("Authorization", "Bearer ")],
        [("Authorization", f"Bearer {TOKEN}"), ("Authorization", f"Bearer {TOKEN}")],
        [("Authorization", "Bearer t\u00e9st")],
    ],
)
def test_iam_route_without_the_token_is_forwarded_without_identity(connection, admin, headers):
    # When
    connection.putrequest("GET", "/admin/v1/health")
    for name, value in headers:
        connection.putheader(name, value.encode("latin-1"))
    connection.endheaders()
    response = connection.getresponse()
    response.read()

    # Then the function gets the call, with no authorizer context, and answers it (401)
    assert response.status == 202
    assert "authorizer" not in admin.events[0]["requestContext"]


def test_routes_without_the_iam_authorizer_get_no_identity(connection, function):
    # When
    connection.request("POST", "/webhooks/x", b"{}", {"Authorization": f"Bearer {TOKEN}"})
    connection.getresponse().read()

    # Then
    assert "authorizer" not in function.events[0]["requestContext"]


REQUEST_LINE = "POST /webhooks/x HTTP/1.1"


def send(connection, headers: list[tuple[str, str]], body: bytes = b"") -> tuple[int, Any]:
    """POST /webhooks/x with exactly these headers (no Host or Accept-Encoding added)."""
    connection.putrequest("POST", "/webhooks/x", skip_host=True, skip_accept_encoding=True)
    for name, value in [*headers, ("Content-Length", str(len(body)))]:
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def padding(size: int) -> list[tuple[str, str]]:
    """Headers whose values, with the request line and a Content-Length of 0, make `size`."""
    return [("X-Pad", "p" * (size - len(REQUEST_LINE) - len("0")))]


def test_request_line_and_header_values_up_to_the_limit_are_taken(connection, function):
    # When
    status, _ = send(connection, padding(HEADER_LIMIT))

    # Then
    assert status == 202
    assert len(function.events) == 1


@pytest.mark.parametrize(
    "headers",
    [
        padding(HEADER_LIMIT + 1),
        [(f"X-Part-{n}", "v" * 1000) for n in range(11)],  # many headers, none large
        [("Cookie", "c" * (HEADER_LIMIT + 1))],
        [("X-Huge", "h" * 70_000)],  # past http.server's own 64 KiB line limit
        [(f"X-N-{n}", "1") for n in range(101)],  # past http.server's 100 headers
    ],
    ids=["one-byte-over", "many-headers", "cookie", "line-over-64k", "over-100-headers"],
)
def test_request_line_and_header_values_over_the_limit_are_refused(connection, function, headers):
    # When
    status, body = send(connection, headers)

    # Then
    assert (status, body) == (431, {"message": "Request Header Fields Too Large"})
    assert function.events == []


def test_a_long_query_string_counts_toward_the_header_limit(gateway, function):
    # Given
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    target = "/webhooks/x?q=" + "a" * HEADER_LIMIT

    # When
    connection.request("GET", target)
    response = connection.getresponse()

    # Then
    assert response.status == 431
    assert response.getheader("connection") == "close"
    assert json.loads(response.read()) == {"message": "Request Header Fields Too Large"}
    assert function.events == []
    connection.close()


def test_a_body_of_exactly_ten_megabytes_is_delivered(connection, function):
    # Given
    body = b"x" * BODY_LIMIT

    # When
    status, _ = send(connection, [("Content-Type", "text/plain")], body)

    # Then
    assert status == 202
    assert len(function.events[0]["body"]) == BODY_LIMIT


def test_chunked_body_over_ten_megabytes_is_refused(connection, function):
    # Given chunks that pass the limit only together
    chunks = iter([b"x" * (BODY_LIMIT // 2), b"x" * (BODY_LIMIT // 2), b"x"])

    # When
    connection.request("POST", "/webhooks/x", chunks, encode_chunked=True)
    response = connection.getresponse()

    # Then
    assert response.status == 413
    assert json.loads(response.read()) == {"message": "Request Entity Too Large"}
    assert function.events == []


def test_an_invalid_content_length_is_a_bad_request(connection, function):
    # When
    status, body = send(connection, [("Content-Length", "ten")])

    # Then
    assert (status, body) == (400, {"message": "Bad Request"})
    assert function.events == []


class SlowFunction(Function):
    """A function whose own timeout is past the HTTP API's 30 s integration timeout."""

    config = FunctionConfig(
        "IngestFunction", "local-IngestFunction", "x.handler", 60, 512, "us-east-1"
    )


def test_a_function_running_past_the_integration_timeout_is_service_unavailable(
    gateway, connection
):
    # Given a 60 s function that the gateway stops waiting for at 30 s
    function = gateway.workers["IngestFunction"] = SlowFunction()
    function.error = FunctionTimeout("no answer within 30.00 seconds")

    # When
    connection.request("POST", "/webhooks/x", b"{}")
    response = connection.getresponse()

    # Then
    assert function.timeouts == [INTEGRATION_TIMEOUT]
    assert (response.status, json.loads(response.read())) == (
        503,
        {"message": "Service Unavailable"},
    )
