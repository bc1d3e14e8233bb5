"""A fake of our admin API (and webhook endpoint) on 127.0.0.1: canned answers, recorded requests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ADMIN = "/admin/v1"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    content_type: str = "application/json"
    location: str | None = None

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return self.body.encode() if isinstance(self.body, str) else json.dumps(self.body).encode()


Responder = Callable[[Recorded], Reply]


class FakeAdminApi:
    """Answers per (method, path); anything else is our API's 404."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], Responder] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def admin(self, method: str, path: str, body: Any = None, status: int = 200) -> None:
        """Answer `method /admin/v1<path>` with `body` as JSON."""
        self.route(method, ADMIN + path, lambda _: Reply(status, body))

    def route(self, method: str, path: str, responder: Responder) -> None:
        self._routes[(method, path)] = responder

    def sent(self, method: str, path: str) -> list[Recorded]:
        """The requests received for `method /admin/v1<path>` (or a full /webhooks/ path)."""
        full = path if path.startswith("/webhooks/") else ADMIN + path
        return [r for r in self.requests if (r.method, r.path) == (method, full)]

    def answer(self, request: Recorded) -> Reply:
        self.requests.append(request)
        responder = self._routes.get((request.method, request.path))
        if responder is None:
            return Reply(404, {"error": {"code": "not_found", "message": "no route"}})
        return responder(request)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler(api: FakeAdminApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Recorded(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            reply = api.answer(request)
            body = reply.encoded()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            if reply.location:
                self.send_header("Location", reply.location)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler
