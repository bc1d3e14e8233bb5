"""The guards of tests/unit/conftest.py: no network from a unit test, loopback included; no
moto; no process."""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import urllib.request

import pytest
from moto import mock_aws
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


def test_moto_fails_the_test():
    # Given the autouse guard
    # When a unit test starts moto
    # Then the test fails, naming where it belongs
    started = mock_aws()
    with pytest.raises(
        pytest.fail.Exception, match="started moto: it belongs in tests/integration"
    ):
        started.start()


def test_a_subprocess_or_a_multiprocessing_process_fails_the_test():
    # Given the autouse guard
    # When a unit test starts a program, or a multiprocessing process
    # Then each fails the test before it starts
    with pytest.raises(pytest.fail.Exception, match="started a process"):
        subprocess.run(["true"], check=True)
    with pytest.raises(pytest.fail.Exception, match="started a multiprocessing process"):
        multiprocessing.Process(target=print).start()
