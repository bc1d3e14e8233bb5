"""The guard of tests/unit/conftest.py: no network from a unit test, loopback included."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from pytest_socket import SocketBlockedError

pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket")


def test_a_loopback_connection_fails_loudly():
    # Given the autouse guard
    # When a unit test opens a TCP connection, even to this machine
    # Then it is refused before any packet leaves
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)


def test_a_name_lookup_and_an_http_call_fail_loudly():
    # Given the autouse guard
    # When a unit test resolves a name or calls a URL
    # Then both are refused
    with pytest.raises(SocketBlockedError):
        socket.getaddrinfo("example.com", 443)
    with pytest.raises(SocketBlockedError):
        urllib.request.urlopen("http://example.com/", timeout=0.1)


def test_unix_sockets_still_work():
    # Given the autouse guard (multiprocessing talks over Unix sockets)
    # When a pair of Unix sockets is opened
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        left.sendall(b"ping")

        # Then they carry data
        assert right.recv(4) == b"ping"
