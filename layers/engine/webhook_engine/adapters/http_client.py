"""Outbound HTTP for scripts on urllib3 (it comes with botocore): the `HttpClient` port.

Every hop (the request and each redirect) is checked by the address policy, and the client
connects to the address the policy checked, never to a second lookup of the name, so a DNS
answer that changes between check and connect (rebinding) reaches nothing new. The Host
header, TLS SNI and the certificate check use the URL's host. The call's timeout is an absolute
deadline over it all (name lookups, connects, TLS handshakes, redirects, reads): every socket
the call uses is ended at the deadline (`adapters/deadlines.py`), so a server that trickles
bytes cannot hold the call past it. Bodies are read within a cap.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.client import HTTPException
from urllib.parse import urljoin

from botocore.httpsession import where as ca_bundle
from urllib3 import BaseHTTPResponse, PoolManager, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from webhook_engine.actions.addresses import AddressPolicy, Target
from webhook_engine.actions.errors import ActionError, ActionLimitError
from webhook_engine.adapters.deadlines import CallDeadline, DeadlineExpired, WatchedConnection
from webhook_engine.domain.ports import HttpReply

MAX_REDIRECTS = 5
POOLS = 16  # (address, port, host) pools kept per container, least recently used dropped
_CHUNK = 65_536
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIALS = frozenset({"authorization", "proxy-authorization", "cookie"})
_BODY_HEADERS = frozenset({"content-type", "content-encoding", "content-language"})


class _HttpConnection(WatchedConnection, HTTPConnection):
    pass


class _HttpsConnection(WatchedConnection, HTTPSConnection):
    pass


class _HttpPool(HTTPConnectionPool):
    ConnectionCls = _HttpConnection


class _HttpsPool(HTTPSConnectionPool):
    ConnectionCls = _HttpsConnection


@dataclass(frozen=True)
class _Hop:
    method: str
    target: Target
    headers: dict[str, str]  # lower-case names
    body: bytes | None

    def describe(self) -> str:
        return f"{self.method} {self.target.host}"

    def redirected(self, status: int, target: Target) -> _Hop:
        """The next hop, as browsers make it: 303 (and POST after 301/302) becomes a GET
        without body; credentials stay behind when the origin changes."""
        hop = replace(self, target=target)
        if (status == 303 and self.method != "HEAD") or (
            status in (301, 302) and self.method == "POST"
        ):
            hop = replace(
                hop, method="GET", body=None, headers=_without(hop.headers, _BODY_HEADERS)
            )
        if target.origin != self.target.origin:
            hop = replace(hop, headers=_without(hop.headers, _CREDENTIALS))
        return hop


def _without(headers: Mapping[str, str], names: frozenset[str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in names}


class UrllibHttpClient:
    """`HttpClient` on one urllib3 pool manager per container (connections are kept alive
    per checked address and host)."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        max_response_bytes: int,
        max_redirects: int = MAX_REDIRECTS,
        ca_certs: str | None = None,
    ) -> None:
        """`ca_certs`: the PEM bundle of trusted authorities; by default the one boto3 trusts,
        which ships with it wherever the engine runs."""
        self._policy = policy
        self._max_bytes = max_response_bytes
        self._max_redirects = max_redirects
        self._pools = PoolManager(
            num_pools=POOLS, cert_reqs="CERT_REQUIRED", ca_certs=ca_certs or ca_bundle()
        )
        self._pools.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> HttpReply:
        """Send the request, following up to `max_redirects` redirects, each checked; the
        reply of the last hop, its body read whole within the size cap."""
        lowered = {name.lower(): value for name, value in headers.items()}
        with CallDeadline(timeout) as deadline:  # name lookups included
            target = self._policy.check(url, within=deadline.remaining())
            hop = _Hop(method.upper(), target, lowered, body)
            for _ in range(self._max_redirects + 1):
                with _failures(hop, deadline):
                    response = self._send(hop, deadline)
                    location = response.headers.get("location")
                    if response.status not in _REDIRECTS or not location:
                        return self._reply(response, hop, deadline)
                    _discard(response)
                    left = deadline.left()  # headers cut short at the deadline may look complete
                target = self._policy.check(_redirect_url(hop, location), within=left)
                hop = hop.redirected(response.status, target)
        raise ActionLimitError(f"http: {hop.describe()}: more than {self._max_redirects} redirects")

    def _send(self, hop: _Hop, deadline: CallDeadline) -> BaseHTTPResponse:
        """The response's status and headers, from the first of the target's addresses that
        takes the connection; its body is not read yet."""
        target, error = hop.target, None
        headers = {**hop.headers, "host": target.host_header}
        kwargs = {"server_hostname": target.host, "assert_hostname": target.host}
        for address in target.addresses:
            pool = self._pools.connection_from_host(
                address, target.port, target.scheme, kwargs if target.scheme == "https" else None
            )
            left = deadline.left()
            try:
                return pool.urlopen(
                    hop.method,
                    target.request_target,
                    body=hop.body,
                    headers=headers,
                    retries=False,
                    redirect=False,
                    assert_same_host=False,
                    timeout=Timeout(connect=left, read=left),
                    preload_content=False,
                    release_conn=False,
                )
            except NewConnectionError as refused:  # refused or unreachable: the next address
                error = refused
        raise error or ActionError(f"http: {hop.describe()}: no address to connect to")

    def _reply(self, response: BaseHTTPResponse, hop: _Hop, deadline: CallDeadline) -> HttpReply:
        try:
            body = self._read(response, hop, deadline)
        except BaseException:
            _discard(response)
            raise
        response.release_conn()  # read to its end: the connection is kept alive
        headers = {name.lower(): response.headers[name] for name in response.headers}
        return HttpReply(status=response.status, headers=headers, body=body, url=hop.target.url)

    def _read(self, response: BaseHTTPResponse, hop: _Hop, deadline: CallDeadline) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise self._too_large(hop)
        body = bytearray()
        for chunk in response.stream(_CHUNK, decode_content=True):
            body += chunk
            if len(body) > self._max_bytes:
                raise self._too_large(hop)
            deadline.left()
        deadline.left()  # cut short at the deadline, headers and body may look complete
        return bytes(body)

    def _too_large(self, hop: _Hop) -> ActionLimitError:
        return ActionLimitError(
            f"http: {hop.describe()}: response body over the {self._max_bytes}-byte limit "
            "(HTTP_MAX_RESPONSE_BYTES)"
        )


def _redirect_url(hop: _Hop, location: str) -> str:
    """Where a redirect's `Location` leads from the hop's URL; ActionError if nowhere."""
    try:
        return urljoin(hop.target.url, location)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ActionError(f"http: {hop.describe()}: redirect to an invalid URL") from None


def _discard(response: BaseHTTPResponse) -> None:
    """Close a response whose body is not wanted (or not all read), and its connection."""
    response.close()
    response.release_conn()


@contextmanager
def _failures(hop: _Hop, deadline: CallDeadline) -> Iterator[None]:
    """Network failures as the script sees them: short, naming the method and host only."""
    try:
        yield
    except NewConnectionError:  # before timeouts: urllib3 derives it from ConnectTimeoutError
        raise ActionError(f"http: {hop.describe()}: could not connect") from None
    except (TimeoutError, DeadlineExpired, Urllib3Timeout):
        raise _timed_out(hop, deadline) from None
    except SSLError as error:
        if deadline.expired:
            raise _timed_out(hop, deadline) from None
        text = str(error).lower()
        reason = "certificate" if "certificate" in text or "hostname" in text else "TLS"
        raise ActionError(f"http: {hop.describe()}: {reason} check failed") from None
    except (HTTPError, HTTPException, OSError):
        if deadline.expired:
            raise _timed_out(hop, deadline) from None
        raise ActionError(f"http: {hop.describe()}: connection failed") from None


def _timed_out(hop: _Hop, deadline: CallDeadline) -> ActionError:
    return ActionError(f"http: {hop.describe()} timed out after {deadline.seconds:.3g} s")
