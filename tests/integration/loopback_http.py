"""Scripted servers on 127.0.0.1 for the outbound clients' tests: the only place their
packets go. `LoopbackServer` speaks HTTP(S), its paths choosing the behaviour (or one behaviour
for every path), and counts connections and requests; `StallingServer` accepts TCP connections
and never completes a TLS handshake."""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs answer
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as servers do
        self.server.connections += 1

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _route(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")
        parts = urlsplit(self.server.every_path or self.path)
        query = {
            name: values[0]
            for name, values in parse_qs(parts.query, keep_blank_values=True).items()
        }
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        ROUTES.get(parts.path, _not_found)(self, query, body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _route

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


Route = Callable[[Handler, dict[str, str], bytes], None]


def _echo(handler: Handler, query: dict[str, str], body: bytes) -> None:
    seen = {
        "method": handler.command,
        "path": handler.path,
        "headers": {name.lower(): value for name, value in handler.headers.items()},
        "body": body.decode("utf-8", errors="replace"),
    }
    handler.answer(200, json.dumps(seen).encode(), {"Content-Type": "application/json"})


def _redirect(handler: Handler, query: dict[str, str], body: bytes) -> None:
    handler.answer(int(query.get("status", "302")), b"moved", {"Location": query["to"]})


def _loop(handler: Handler, query: dict[str, str], body: bytes) -> None:
    handler.answer(302, b"", {"Location": "/loop"})


def _bytes(handler: Handler, query: dict[str, str], body: bytes) -> None:
    handler.answer(200, b"x" * int(query["n"]))


def _chunked(handler: Handler, query: dict[str, str], body: bytes) -> None:
    """`n` bytes with no declared length, in chunks of 1000."""
    handler.send_response(200)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    left = int(query["n"])
    while left:
        size = min(left, 1000)
        handler.wfile.write(f"{size:x}\r\n".encode() + b"y" * size + b"\r\n")
        left -= size
    handler.wfile.write(b"0\r\n\r\n")


def _gzip(handler: Handler, query: dict[str, str], body: bytes) -> None:
    """`n` zero bytes, gzip-compressed to a small fraction of that."""
    handler.answer(200, gzip.compress(b"\0" * int(query["n"])), {"Content-Encoding": "gzip"})


def _slow(handler: Handler, query: dict[str, str], body: bytes) -> None:
    time.sleep(float(query["seconds"]))
    handler.answer(200, b"late")


TICK = 0.05  # seconds between two bytes of a trickle: each read well within any timeout


def _trickle(handler: Handler, query: dict[str, str], body: bytes) -> None:
    """An answer one byte every TICK for `seconds` (default 20), its `part`:
    - `headers` (the default): a header's value;
    - `body`: a body of declared length, the connection kept alive;
    - `close`: a body of declared length, `Connection: close`;
    - `http10`: an HTTP/1.0 body without a length, ended by closing the connection;
    - `chunked`: a body of one-byte chunks."""
    part = query.get("part", "headers")
    handler.wfile.write(_TRICKLE_HEADS[part])
    byte = b"1\r\na\r\n" if part == "chunked" else b"a"
    end = time.monotonic() + float(query.get("seconds", "20"))
    try:
        while time.monotonic() < end:
            handler.wfile.write(byte)
            handler.wfile.flush()
            time.sleep(TICK)
    except OSError:
        pass  # the client hung up
    handler.close_connection = True


_TRICKLE_HEADS = {
    "headers": b"HTTP/1.1 200 OK\r\nX-Slow: ",
    "body": b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
    "close": b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n",
    "http10": b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n",
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
}


def _slow_redirect(handler: Handler, query: dict[str, str], body: bytes) -> None:
    """After `seconds`, a redirect to this same slow redirect: each hop of the chain is slow."""
    time.sleep(float(query["seconds"]))
    handler.answer(302, b"", {"Location": handler.path})


def _not_found(handler: Handler, query: dict[str, str], body: bytes) -> None:
    handler.answer(404, b"no such path")


ROUTES: dict[str, Route] = {
    "/echo": _echo,
    "/redirect": _redirect,
    "/loop": _loop,
    "/bytes": _bytes,
    "/chunked": _chunked,
    "/gzip": _gzip,
    "/slow": _slow,
    "/trickle": _trickle,
    "/slow-redirect": _slow_redirect,
}


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, tls: ssl.SSLContext | None = None, every_path: str | None = None) -> None:
        """`every_path`: a path and query that every request is answered as, whatever its own
        (an AWS endpoint: SDK requests go to `/`)."""
        super().__init__(("127.0.0.1", 0), Handler)
        self.every_path = every_path
        self.connections = 0
        self.requests: list[str] = []
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up (timeouts, refused certificates) are what tests do

    def reset(self) -> None:
        self.connections = 0
        self.requests.clear()


class StallingServer:
    """Accepts TCP connections and holds each one without finishing a TLS handshake: silent
    (`trickle=False`), or announcing a 16 KiB handshake record and sending it one byte every
    TICK (each read of the client's handshake well within any timeout)."""

    def __init__(self, trickle: bool) -> None:
        self._trickle = trickle
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.connections = 0

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def start(self) -> StallingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            self.connections += 1
            threading.Thread(target=self._hold, args=(connection,), daemon=True).start()

    def _hold(self, connection: socket.socket) -> None:
        with connection:
            try:
                if self._trickle:
                    connection.sendall(b"\x16\x03\x03\x40\x00")  # handshake, 16,384 bytes
                while not self._stopped.wait(TICK):
                    if self._trickle:
                        connection.sendall(b"\x00")
            except OSError:
                pass  # the client hung up


def certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (its own CA): (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.2"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
