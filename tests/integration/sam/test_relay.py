"""The relay from Docker's bridge to loopback, played here from loopback to loopback: bytes
pass both ways unchanged, whatever their size, and a side that closes ends the connection."""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from webhooks_sam.relay import CHUNK, Relay


class _Echo(socketserver.BaseRequestHandler):
    """Answers each request with the bytes it received, then closes after `limit` bytes."""

    def handle(self) -> None:
        received = 0
        while received < self.server.limit and (data := self.request.recv(CHUNK)):  # type: ignore[attr-defined]
            received += len(data)
            self.request.sendall(data)


@pytest.fixture
def echo() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    server.limit = 10 * CHUNK  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _receive(connection: socket.socket, size: int) -> bytes:
    chunks, received = [], 0
    while received < size and (data := connection.recv(CHUNK)):
        chunks.append(data)
        received += len(data)
    return b"".join(chunks)


@pytest.mark.parametrize("size", [1, CHUNK - 1, CHUNK + 1, 3 * CHUNK])
def test_bytes_cross_the_relay_unchanged_both_ways(echo, size):
    # Given a relay to the echo server and a payload of that size
    payload = os.urandom(size)
    with Relay("127.0.0.1", echo.server_address) as relay:
        host, port = relay.server_address[:2]
        # When it is sent through the relay
        with socket.create_connection((str(host), port), timeout=10) as connection:
            connection.sendall(payload)
            answer = _receive(connection, size)
    # Then the echo came back whole
    assert answer == payload


def test_the_upstream_closing_ends_the_callers_connection(echo):
    # Given a relay to an echo server that closes after its limit
    with Relay("127.0.0.1", echo.server_address) as relay:
        host, port = relay.server_address[:2]
        with socket.create_connection((str(host), port), timeout=10) as connection:
            # When the caller sends the limit
            connection.sendall(b"x" * echo.limit)
            echoed = _receive(connection, echo.limit)
            # Then it gets the echo, then the end of the stream
            assert len(echoed) == echo.limit
            assert connection.recv(1) == b""


def test_its_url_names_the_address_it_listens_on(echo):
    # Given a relay on loopback
    with Relay("127.0.0.1", echo.server_address) as relay:
        # Then its URL is where callers reach it
        assert relay.url == f"http://127.0.0.1:{relay.server_address[1]}"
