"""A call's deadline ends every socket registered with it, whatever became of the object the
socket was registered as; boto3 clients made for script actions register theirs."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import boto3
import pytest

from webhook_engine.adapters import clients
from webhook_engine.adapters.deadlines import AWS_POOLS, CallDeadline, DeadlineExpired, watch_client

WAIT = 30.0  # a read that no shutdown ends fails the test by timing out, not by hanging


@pytest.fixture
def connection() -> Iterator[tuple[socket.socket, socket.socket]]:
    """Two connected sockets: the call's end, and the server's."""
    ours, theirs = socket.socketpair()
    theirs.settimeout(WAIT)
    yield ours, theirs
    ours.close()
    theirs.close()


def test_a_socket_detached_after_registration_is_still_ended(connection):
    # Given a registered socket whose object lets go of it, as wrapping it in TLS does
    ours, _ = connection
    with CallDeadline(0.05) as deadline:
        deadline.watch(ours)
        other_owner = socket.socket(ours.family, ours.type, fileno=ours.detach())
        other_owner.settimeout(WAIT)

        # When the deadline passes during a blocked read
        received = other_owner.recv(1)

    # Then the read ended with the connection, and the deadline says so
    assert received == b""
    assert deadline.expired
    with pytest.raises(DeadlineExpired):
        deadline.left()
    other_owner.close()


def test_a_socket_registered_after_the_deadline_is_ended_at_once(connection):
    # Given a deadline that has passed
    ours, theirs = connection
    with CallDeadline(0.0) as deadline:
        while not deadline.expired:  # its timer fires at once, in its own thread
            time.sleep(0.001)

        # When a socket is registered
        deadline.watch(ours)

    # Then its connection is ended: the other end reads its end
    assert theirs.recv(1) == b""


def test_leaving_the_deadline_in_time_keeps_the_connection_open(connection):
    # Given a registered socket and a call that ends in time
    ours, theirs = connection
    with CallDeadline(WAIT) as deadline:
        deadline.watch(ours)

    # When the connection is used again (kept alive for the next call)
    ours.sendall(b"x")

    # Then it still works: only the deadline's own duplicate was closed
    assert theirs.recv(1) == b"x"
    assert not deadline.expired


def test_a_closed_socket_is_ignored():
    # Given a socket already closed
    closed, other = socket.socketpair()
    closed.close()
    other.close()

    # When / Then registering it changes nothing
    with CallDeadline(WAIT) as deadline:
        deadline.watch(closed)
    assert not deadline.expired


def test_clients_for_script_actions_register_their_connections(aws_credentials):
    # Given a region and credentials
    clients.reset()

    # When a client for script actions is made
    client = clients.timed_client("codebuild", "eu-west-1", 2.0)

    # Then its pools (and any proxy's) are built on connections that register with deadlines
    session = client._endpoint.http_session
    assert session._manager.pool_classes_by_scheme is AWS_POOLS
    assert session._pool_classes_by_scheme is AWS_POOLS
    clients.reset()


def test_a_client_whose_connections_cannot_be_watched_is_refused():
    # Given a client whose HTTP session is not botocore's urllib3 session
    client = boto3.session.Session(region_name="us-east-1").client(
        "sqs", aws_access_key_id="a", aws_secret_access_key="b"
    )
    client._endpoint.http_session = object()

    # When / Then it is refused, rather than let its calls go unbounded
    with pytest.raises(RuntimeError, match="aws calls cannot be bounded"):
        watch_client(client)
