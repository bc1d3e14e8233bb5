"""The local HTTP API: turns HTTP requests into payload 2.0 events for the functions' workers."""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from webhooks_local.tokens import LocalIssuer
from webhooks_local.workers import FunctionError, FunctionTimeout, PayloadTooLarge
from webhooks_testbed.apigateway import (
    BODY_LIMIT,
    HEADER_LIMIT,
    HttpRequest,
    HttpResponse,
    Route,
    build_event,
    decode_response,
    error_response,
    find_route,
)
from webhooks_testbed.authorizer import bearer_authorizer
from webhooks_testbed.lambdas import FunctionConfig

INTEGRATION_TIMEOUT = 30.0  # an HTTP API waits at most this long for Lambda, then answers 503
logger = logging.getLogger("webhooks_local.gateway")


class Function(Protocol):
    """What the gateway calls: a function's workers."""

    config: FunctionConfig

    def invoke(self, event: dict[str, Any], timeout: float | None = None) -> Any: ...


class RequestTooLarge(Exception):
    """The body exceeds what an HTTP API accepts."""


# API Gateway's answers to requests over its quotas; the connection is closed, the rest of
# the request unread.
HEADERS_TOO_LARGE = error_response(431, "Request Header Fields Too Large")
BODY_TOO_LARGE = error_response(413, "Request Entity Too Large")


class Gateway:
    """Routes requests to the functions of the template's HttpApi events; on the routes with
    the IAM authorizer, plays it with a bearer token (see `webhooks_testbed.authorizer`); on
    those with a JWT authorizer, plays it with the issuer's tokens (`webhooks_local.tokens`)."""

    def __init__(
        self,
        table: list[Route],
        workers: Mapping[str, Function],
        *,
        port: int,
        token: str | None = None,
        issuer: LocalIssuer | None = None,
        quiet: bool = False,
        front: Callable[[HttpRequest], HttpResponse | None] | None = None,
    ) -> None:
        """`front` answers the requests it takes before any route (the console's sign-in)."""
        self.routes = table
        self.front = front
        self.workers = workers
        self.token = token  # the bearer token that stands for SigV4 on IAM routes
        self.issuer = issuer  # who signs the JWTs of people on JWT routes
        self.quiet = quiet
        self._server = _Server(("127.0.0.1", port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def respond(self, request: HttpRequest) -> HttpResponse:
        """Answer one request as API Gateway and the function would."""
        request_id = str(uuid.uuid4())
        response = self._answer(request, request_id)
        response.headers.append(("apigw-requestid", request_id))
        return response

    def _answer(self, request: HttpRequest, request_id: str) -> HttpResponse:
        answered = self.front(request) if self.front else None
        if answered is not None:
            return answered
        found = find_route(self.routes, request.method, request.path)
        if found is None:
            return error_response(404, "Not Found")
        route, parameters = found
        authorizer = self._authorizer(route, request.headers)
        event = build_event(
            request, route, parameters, request_id=request_id, authorizer=authorizer
        )
        workers = self.workers[route.function_id]
        timeout = min(workers.config.timeout, INTEGRATION_TIMEOUT)
        try:
            return decode_response(workers.invoke(event, timeout=timeout))
        except FunctionTimeout as error:
            logger.error("%s %s: %s", route.function_id, request_id, error)
            if workers.config.timeout > INTEGRATION_TIMEOUT:
                return error_response(503, "Service Unavailable")
            return error_response(500, "Internal Server Error")
        except (FunctionError, PayloadTooLarge, ValueError) as error:
            # An event over Lambda's 6 MB (a body between about 6 and 10 MB, 4.7 MB binary)
            # never reaches the function: API Gateway answers it as any failed invocation.
            logger.error("%s %s failed:\n%s", route.function_id, request_id, error)
            return error_response(500, "Internal Server Error")

    def _authorizer(self, route: Route, headers: list[tuple[str, str]]) -> dict[str, Any] | None:
        """What the route's authorizers make of the credentials: the admin token as the IAM
        user it stands for, else a JWT of the issuer; None for neither."""
        found = bearer_authorizer(headers, self.token) if route.iam else None
        if found is None and route.jwt and self.issuer is not None:
            found = self.issuer.authorizer(headers)
        return found


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up are routine; anything else is logged with its traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            logger.debug("%s hung up: %s", client_address, error)
        else:
            logger.exception("request from %s failed", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY on every connection: with Nagle's algorithm, a small answer that follows
    # another write waits for the client's delayed ACK (~40 ms on Linux) on keep-alive.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "webhooks-local"

    def _dispatch(self) -> None:
        started = time.perf_counter()
        gateway = self.server.gateway
        response = self._refusal() or self._respond(gateway)
        self._write(response)
        if not gateway.quiet:
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s %d %.1fms", self.command, self.path, response.status, elapsed)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY...) reaches the routes too: an ANY route takes it,
        and the function answers (the admin API: 405 with the methods a path takes)."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _respond(self, gateway: Gateway) -> HttpResponse:
        try:
            body = self._read_body()
        except RequestTooLarge:
            self.close_connection = True
            return BODY_TOO_LARGE
        except ValueError:
            self.close_connection = True
            return error_response(400, "Bad Request")
        return gateway.respond(self._request(body))

    def _refusal(self) -> HttpResponse | None:
        """The answer to a request over the header quota, or to a declared body over the body
        quota, before any of the body is read; None when the request is within both."""
        if self._header_size() > HEADER_LIMIT:
            self.close_connection = True
            return HEADERS_TOO_LARGE
        if _declared_length(self.headers.get("Content-Length")) > BODY_LIMIT:
            self.close_connection = True
            return BODY_TOO_LARGE
        return None

    def _header_size(self) -> int:
        """Bytes of the request line and the header values, as the HTTP API quota counts them."""
        values = sum(len(value.encode("latin-1", "replace")) for value in self.headers.values())
        return len(self.requestline.encode("latin-1", "replace")) + values

    def handle_expect_100(self) -> bool:
        """`Expect: 100-continue`: refuse a request over the quotas before the client sends its
        body, as API Gateway does, instead of inviting it."""
        refusal = self._refusal()
        if refusal is None:
            return super().handle_expect_100()
        self._write(refusal)
        return False

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests that http.server itself refuses (a line over 64 KiB, over 100 headers,
        malformed) get API Gateway's JSON answers: anything too large is a 431."""
        self.close_connection = True
        if code in (HTTPStatus.REQUEST_URI_TOO_LONG, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE):
            self._write(HEADERS_TOO_LARGE)
        else:
            self._write(error_response(code, HTTPStatus(code).phrase))

    def _request(self, body: bytes) -> HttpRequest:
        return HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            server_port=self.server.gateway.port,
            protocol=self.request_version,
        )

    def _read_body(self) -> bytes:
        """The exact body bytes: Content-Length or chunked; RequestTooLarge past the limit."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunks()
        length = _declared_length(self.headers.get("Content-Length"))
        if length < 0:
            raise ValueError("invalid Content-Length")
        if length > BODY_LIMIT:
            raise RequestTooLarge
        return self.rfile.read(length)

    def _read_chunks(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while size := int(self.rfile.readline().split(b";")[0], 16):
            total += size
            if total > BODY_LIMIT:
                raise RequestTooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _write(self, response: HttpResponse) -> None:
        """Status line, headers and body in one send, so that nothing small waits behind a
        write for the client's ACK."""
        phrase = self.responses.get(response.status, ("",))[0]
        lines = [
            f"{self.protocol_version} {response.status} {phrase}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
        ]
        lines += [
            f"{name}: {value}"
            for name, value in response.headers
            if name.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = "\r\n".join([*lines, "", ""]).encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Access lines come from _dispatch, with timings."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


def _declared_length(value: str | None) -> int:
    """The Content-Length header's value: 0 without one, -1 when it is no number."""
    try:
        return int(value or 0)
    except ValueError:
        return -1
