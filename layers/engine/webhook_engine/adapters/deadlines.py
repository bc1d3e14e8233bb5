"""Absolute deadlines for the calls the engine makes for scripts (`http` and `aws`).

A socket timeout bounds each read, not a call: a server that sends a byte before every timeout
(a header, a body, a TLS handshake) holds a call as long as it likes. A `CallDeadline` ends the
call instead. While it is entered, every socket the call's connections use is registered with
it, as a duplicate of the socket's descriptor: the deadline's own, which nothing else can drop
(http.client forgets a connection's socket when the answer will close it; wrapping a socket in
TLS detaches the original object). At the deadline a timer shuts each of them down, which ends
the connection itself: a blocked handshake, read or write fails at once.

Connections register their sockets when they connect (the plain socket, before TLS wraps it)
and when they send a request (a connection kept alive was connected by an earlier call).
`WatchedConnection` does it for urllib3's connection classes; the `http` client's pools are
built on it, and `watch_client` builds a boto3 client's pools on it.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Self

from botocore.awsrequest import (
    AWSHTTPConnection,
    AWSHTTPConnectionPool,
    AWSHTTPSConnection,
    AWSHTTPSConnectionPool,
)
from botocore.httpsession import URLLib3Session

_current: ContextVar[CallDeadline | None] = ContextVar("call_deadline", default=None)


class DeadlineExpired(Exception):
    """The call's deadline passed."""


class CallDeadline:
    """The absolute time limit of one call, over every socket it uses (module docstring)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._token: Token[CallDeadline | None] | None = None

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def left(self) -> float:
        """Seconds left; DeadlineExpired when none are (a read cut short at the deadline may
        look complete: a caller asks once it has read)."""
        left = self.remaining()
        if left <= 0 or self.expired:
            raise DeadlineExpired
        return left

    def watch(self, sock: socket.socket) -> None:
        """End `sock`'s connection at the deadline (at once if it has passed)."""
        try:
            own = socket.fromfd(sock.fileno(), sock.family, sock.type)  # a duplicate
        except OSError:
            return  # closed already: there is nothing left to end
        with self._lock:
            self._sockets.append(own)
            if self.expired:
                _shut(own)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for own in self._sockets:
                _shut(own)

    def __enter__(self) -> Self:
        self._token = _current.set(self)
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        if self._token is not None:
            _current.reset(self._token)
        with self._lock:
            for own in self._sockets:
                own.close()  # the duplicate only: a connection kept alive stays open
            self._sockets.clear()


def _shut(own: socket.socket) -> None:
    with suppress(OSError):  # the peer may have closed it already
        own.shutdown(socket.SHUT_RDWR)


class WatchedConnection:
    """Mixed in before an urllib3 connection class: its sockets are registered with the
    current call's deadline, if any."""

    sock: socket.socket | None

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        deadline = _current.get()
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        deadline = _current.get()
        if deadline is not None and self.sock is not None:
            deadline.watch(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _AwsHttpConnection(WatchedConnection, AWSHTTPConnection):  # type: ignore[misc]
    pass


class _AwsHttpsConnection(WatchedConnection, AWSHTTPSConnection):  # type: ignore[misc]
    pass


class _AwsHttpPool(AWSHTTPConnectionPool):  # type: ignore[misc]
    ConnectionCls = _AwsHttpConnection


class _AwsHttpsPool(AWSHTTPSConnectionPool):  # type: ignore[misc]
    ConnectionCls = _AwsHttpsConnection


AWS_POOLS = {"http": _AwsHttpPool, "https": _AwsHttpsPool}


def watch_client[C](client: C) -> C:
    """`client` (boto3), its connections registered with call deadlines. botocore has no
    setting for its connection classes: they come from its session's pool managers, set here.
    A botocore that moved them fails here, loudly, rather than letting calls go unbounded."""
    session = client._endpoint.http_session  # type: ignore[attr-defined]
    manager = getattr(session, "_manager", None)
    known = hasattr(session, "_pool_classes_by_scheme") and hasattr(
        manager, "pool_classes_by_scheme"
    )
    if not isinstance(session, URLLib3Session) or not known:
        raise RuntimeError("botocore's HTTP session changed: aws calls cannot be bounded")
    session._pool_classes_by_scheme = AWS_POOLS  # the proxy managers it makes later
    manager.pool_classes_by_scheme = AWS_POOLS  # type: ignore[union-attr]
    return client
