"""moto's own WSGI application on a keep-alive HTTP/1.1 server, for the local stack.

`ThreadedMotoServer` serves moto with werkzeug's development server, which closes the
connection after every answer: each AWS call of a function then pays a TCP connect, and moto
a new thread, an accept and a socket held 10 ms for draining. This server answers many
requests per connection (a thread per connection, as werkzeug has) and each answer in one
send, with moto's application unchanged: the same routing, backends and answers. Measured on
2 cores, a GetItem takes about 2 ms here against 3.8 ms on werkzeug.
"""

from __future__ import annotations

import io
import pickle
from functools import lru_cache
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import IO, TYPE_CHECKING, Any, cast
from wsgiref.headers import Headers
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from moto import backends
from moto.core.utils import unix_time, unix_time_millis
from moto.dynamodb.parsing import expressions, validators
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import Message, Queue, SQSBackend

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

REQUEST_LINE_LIMIT = 65_536
PARSED_EXPRESSIONS = 256  # update expressions kept parsed: the local stack uses a few


class _Answer(ServerHandler):
    """One answer, written in a single send once moto has given all of it."""

    http_version = "1.1"
    request_handler: WSGIRequestHandler  # wsgiref logs through it
    headers: Headers
    sized = False  # the answer states its length, so the connection can carry another

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: list[bytes] = []

    def send_headers(self) -> None:
        super().send_headers()  # adds a Content-Length where wsgiref knows it
        self.sized = "Content-Length" in self.headers

    def _write(self, data: bytes) -> None:
        self._pending.append(data)

    def _flush(self) -> None:
        if self._pending:
            self.stdout.write(b"".join(self._pending))
            self._pending.clear()

    def finish_content(self) -> None:
        super().finish_content()
        self._flush()


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def handle(self) -> None:
        """Requests until the client closes, asks to close, or an answer has no length."""
        self.close_connection = True
        self._handle_one()
        while not self.close_connection:
            self._handle_one()

    def _handle_one(self) -> None:
        self.raw_requestline = self.rfile.readline(REQUEST_LINE_LIMIT + 1)
        if not self.raw_requestline or len(self.raw_requestline) > REQUEST_LINE_LIMIT:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        if "Transfer-Encoding" in self.headers:  # AWS SDKs send lengths over plain HTTP
            self.send_error(HTTPStatus.LENGTH_REQUIRED)
            return
        length = _length(self.headers.get("Content-Length"))
        if length is None:
            self.send_error(HTTPStatus.BAD_REQUEST, "Invalid Content-Length")
            return
        # The whole body is read before moto sees it, so that a request moto reads only in
        # part cannot leave bytes in front of the next one.
        body = io.BytesIO(self.rfile.read(length))
        output = cast(IO[bytes], self.wfile)
        answer = _Answer(body, output, self.get_stderr(), self.get_environ(), multithread=True)
        answer.request_handler = self
        answer.run(self.server.moto)
        if not answer.sized:
            self.close_connection = True  # an answer without a length ends at the close

    def log_message(self, format: str, *args: Any) -> None:
        """No access lines: one per AWS call."""


def _length(value: str | None) -> int | None:
    """A Content-Length's value (0 without one); None when it is not a length."""
    if value is None:
        return 0
    return int(value) if value.strip().isdigit() else None


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, moto: WSGIApplication) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.moto = moto


class MotoServer:
    """moto on 127.0.0.1:`port` (0: a free port), served from a thread of this process."""

    def __init__(self, port: int = 0) -> None:
        _route_from_a_fixed_module_list()
        _retention_from_the_queue()
        _queues_counted_at_one_instant()
        _update_expressions_parsed_once()
        self._server = _Server(port, DomainDispatcherApplication(create_backend_app))

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def shutdown(self) -> None:
        """Stop serving (from another thread) and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()


def _route_from_a_fixed_module_list() -> None:
    """moto routes each request by listing its own package directory (a listdir and an isdir
    per service, ~200) under a lock that every request takes: the list cannot change while the
    server runs, so it is read once."""
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def _retention_from_the_queue() -> None:
    """moto's ReceiveMessage checks each message it returns against the queue's retention
    period by computing every attribute of the queue, three times, each counting the queue's
    messages: a batch from a backlog of n costs ~30 n visibility checks (a third of moto's
    time under an asynchronous burst). The period is one attribute of the queue."""

    def is_message_valid(self: SQSBackend, queue_name: str, message: Message) -> bool:
        retention = int(vars(self.get_queue(queue_name))["message_retention_period"])
        return retention + (message.sent_timestamp or 0) / 1000 > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid  # type: ignore[method-assign]


def _queues_counted_at_one_instant() -> None:
    """moto counts a queue's waiting, in-flight and delayed messages whenever one of the
    queue's attributes is read (each SendMessage reads one, each GetQueueAttributes many),
    reading the clock as a datetime up to twice per message: 1.7 ms a send with 200 messages
    queued. The same counts, with the clock read once per count."""

    def waiting(queue: Queue) -> list[Any]:  # Message.visible and not Message.delayed
        now = unix_time_millis()
        return [m for m in queue._messages if m.visible_at < now and m.delayed_until <= now]

    def in_flight(queue: Queue) -> int:  # not Message.visible
        now = unix_time_millis()
        return sum(1 for m in queue._messages if m.visible_at >= now)

    def delayed(queue: Queue) -> int:  # Message.delayed
        now = unix_time_millis()
        return sum(1 for m in queue._messages if m.delayed_until > now)

    Queue.messages = property(waiting)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(in_flight)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[method-assign,assignment]


def _update_expressions_parsed_once() -> None:
    """moto parses an UpdateItem's update expression twice (to check the request, then to
    apply it), a few hundred µs each, and deep-copies the tree before validating it, more
    again: a third of an UpdateItem. The tree depends only on the expression's text, so each
    text is parsed once and kept pickled, and every parse and copy is a fresh unpickled tree
    (an expression that does not parse is not kept: it raises moto's error every time)."""
    parser = expressions.UpdateExpressionParser  # type: ignore[attr-defined]
    parse = parser.make

    @lru_cache(maxsize=PARSED_EXPRESSIONS)
    def pickled(expression: str) -> bytes:
        return pickle.dumps(parse(expression), pickle.HIGHEST_PROTOCOL)

    def make(_: type, expression: str) -> Any:
        return pickle.loads(pickled(expression))

    parser.make = classmethod(make)
    validators.deepcopy = _copy  # type: ignore[attr-defined,assignment]


def _copy(tree: Any) -> Any:
    """A deep copy of a tree of plain objects, by pickle (C) rather than by copy (Python)."""
    return pickle.loads(pickle.dumps(tree, pickle.HIGHEST_PROTOCOL))
