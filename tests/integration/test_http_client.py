"""The outbound client against a loopback server started here (no packet leaves 127.0.0.1):
refused, then allowed by the list; redirects re-checked; the size cap; the time limit, even
against a server that trickles; TLS checked against the URL's host while connecting to the
checked address."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.loopback_http import (
    LoopbackServer,
    StallingServer,
    certificate,
    tls_context,
)
from webhook_engine import wiring
from webhook_engine.actions.addresses import AddressPolicy
from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.adapters.http_client import MAX_REDIRECTS, UrllibHttpClient
from webhook_engine.domain.ports import HttpReply

CAP = 10_000


class Resolver:
    """Test names to loopback, counting lookups; anything else fails, as offline."""

    def __init__(self, names: dict[str, str | list[str]]) -> None:
        self.names = names
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        found = self.names[host]
        return [found] if isinstance(found, str) else found


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    started = LoopbackServer().start()
    yield started
    started.stop()


@pytest.fixture
def loopback(server: LoopbackServer) -> LoopbackServer:
    server.reset()
    return server


def client(
    *allowed: str, resolver: Resolver | None = None, ca_certs: str | None = None
) -> UrllibHttpClient:
    policy = AddressPolicy(allowed, resolver=resolver or Resolver({}))
    return UrllibHttpClient(policy, max_response_bytes=CAP, ca_certs=ca_certs)


def get(http: UrllibHttpClient, url: str, timeout: float = 5.0, **headers: str) -> HttpReply:
    return http.request("GET", url, headers, None, timeout)


def echoed(reply: HttpReply) -> Any:
    """What the echo route saw: method, path, headers (lower case), body."""
    return json.loads(reply.body)


# the allow-list, end to end ----------------------------------------------------------------


def test_loopback_is_refused_without_the_list_and_reached_with_it(loopback):
    # Given the same loopback URL
    url = f"http://127.0.0.1:{loopback.port}/echo"

    # When the deployment lists nothing
    with pytest.raises(ActionRefused, match=r"127\.0\.0\.1 is a loopback address"):
        get(client(), url)

    # Then no connection was even opened
    assert loopback.connections == 0

    # When the deployment lists 127.0.0.1:PORT
    reply = get(client(f"127.0.0.1:{loopback.port}"), url)

    # Then the call goes through
    assert reply.status == 200
    assert echoed(reply)["path"] == "/echo"


def test_a_name_resolving_to_loopback_is_refused_before_any_connection(loopback):
    # Given a name that resolves to loopback, not listed
    resolver = Resolver({"internal.test": "127.0.0.1"})

    # When / Then
    with pytest.raises(ActionRefused, match=r"internal\.test resolves to 127\.0\.0\.1"):
        get(client(resolver=resolver), f"http://internal.test:{loopback.port}/echo")
    assert loopback.connections == 0


def test_the_client_connects_to_the_checked_address_with_the_urls_host(loopback):
    # Given a listed name that only the policy's resolver knows (a second lookup by the system
    # resolver would fail): the client must connect to the address checked
    resolver = Resolver({"hooks.test": "127.0.0.1"})
    http = client("hooks.test", resolver=resolver)

    # When
    reply = get(http, f"http://hooks.test:{loopback.port}/echo?a=1")

    # Then it reached the server once looked up, with the URL's Host header
    assert resolver.lookups == ["hooks.test"]
    assert echoed(reply)["headers"]["host"] == f"hooks.test:{loopback.port}"
    assert reply.url == f"http://hooks.test:{loopback.port}/echo?a=1"


def test_an_address_that_refuses_the_connection_gives_way_to_the_next(loopback):
    # Given a listed name with two addresses, the first with no server on the port
    resolver = Resolver({"multi.test": ["127.0.0.2", "127.0.0.1"]})

    # When
    reply = get(client("multi.test", resolver=resolver), f"http://multi.test:{loopback.port}/echo")

    # Then the second address answered
    assert reply.status == 200
    assert loopback.connections == 1


def test_methods_headers_and_bodies_reach_the_server(loopback):
    # Given
    http = client(f"127.0.0.1:{loopback.port}")
    url = f"http://127.0.0.1:{loopback.port}/echo"

    # When
    reply = http.request(
        "PATCH", url, {"Content-Type": "application/json", "X-Trace": "t1"}, b'{"a":1}', 5.0
    )

    # Then
    seen = echoed(reply)
    assert (seen["method"], seen["body"]) == ("PATCH", '{"a":1}')
    assert seen["headers"]["x-trace"] == "t1"
    assert seen["headers"]["content-length"] == "7"
    assert reply.headers["content-type"] == "application/json"


def test_connections_are_kept_alive_and_reused(loopback):
    # Given one client (one per container)
    http = client(f"127.0.0.1:{loopback.port}")

    # When it calls the same target three times
    for _ in range(3):
        assert get(http, f"http://127.0.0.1:{loopback.port}/bytes?n=10").body == b"x" * 10

    # Then one connection carried them all
    assert (loopback.connections, len(loopback.requests)) == (1, 3)


# redirects ---------------------------------------------------------------------------------


def redirect_url(port: int, to: str, status: int = 302, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}/redirect?status={status}&to={quote(to, safe='')}"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
        "http://localhost:{port}/echo",
        "http://127.0.0.1:1/",  # loopback, but not the listed port
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_a_refused_target_is_refused(loopback, target):
    # Given a listed server that redirects to a target the policy refuses
    http = client(f"127.0.0.1:{loopback.port}", resolver=Resolver({"localhost": "127.0.0.1"}))
    url = redirect_url(loopback.port, target.format(port=loopback.port))

    # When / Then the hop is checked like the first request
    with pytest.raises(ActionRefused):
        get(http, url)
    assert loopback.requests == [f"GET {url.removeprefix(f'http://127.0.0.1:{loopback.port}')}"]


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (301, "POST", "GET"),
        (302, "POST", "GET"),
        (303, "POST", "GET"),
        (303, "PUT", "GET"),
        (307, "POST", "POST"),
        (308, "PUT", "PUT"),
        (302, "PUT", "PUT"),
        (303, "HEAD", "HEAD"),
    ],
)
def test_redirects_change_the_method_as_browsers_do(loopback, status, method, expected):
    # Given
    http = client(f"127.0.0.1:{loopback.port}")
    url = redirect_url(loopback.port, "/echo", status)

    # When
    reply = http.request(method, url, {"Content-Type": "text/plain"}, b"payload", 5.0)

    # Then the final hop used the method browsers would, with the body only if kept
    assert loopback.requests[-1] == f"{expected} /echo"
    assert reply.url == f"http://127.0.0.1:{loopback.port}/echo"
    if expected != "HEAD":
        seen = echoed(reply)
        assert seen["body"] == ("payload" if expected == method else "")
        assert ("content-type" in seen["headers"]) is (expected == method)


def test_credentials_stay_behind_when_a_redirect_changes_host(loopback):
    # Given two listed names for the same server
    resolver = Resolver({"a.test": "127.0.0.1", "b.test": "127.0.0.1"})
    http = client("a.test", "b.test", resolver=resolver)
    headers = {"Authorization": "Bearer t0k3n", "Cookie": "s=1", "X-Keep": "yes"}

    # When one redirects to the same host, and to the other host
    same = http.request(
        "GET", redirect_url(loopback.port, "/echo", host="a.test"), headers, None, 5
    )
    other_url = f"http://b.test:{loopback.port}/echo"
    other = http.request(
        "GET", redirect_url(loopback.port, other_url, host="a.test"), headers, None, 5
    )

    # Then the credentials follow the same origin only
    same_headers = echoed(same)["headers"]
    other_headers = echoed(other)["headers"]
    assert same_headers["authorization"] == "Bearer t0k3n"
    assert "authorization" not in other_headers
    assert "cookie" not in other_headers
    assert other_headers["x-keep"] == "yes"


def test_more_than_five_redirects_is_a_limit_error(loopback):
    # Given a server that redirects for ever
    http = client(f"127.0.0.1:{loopback.port}")

    # When / Then
    with pytest.raises(ActionLimitError, match=f"more than {MAX_REDIRECTS} redirects"):
        get(http, f"http://127.0.0.1:{loopback.port}/loop")
    assert len(loopback.requests) == MAX_REDIRECTS + 1


def test_a_redirect_without_location_is_the_reply(loopback):
    # Given
    http = client(f"127.0.0.1:{loopback.port}")

    # When
    reply = get(http, f"http://127.0.0.1:{loopback.port}/redirect?status=302&to=")

    # Then
    assert (reply.status, reply.body) == (302, b"moved")


# the size cap --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "requests"),
    [
        (f"/bytes?n={CAP + 1}", 1),  # declared: refused before reading
        (f"/chunked?n={CAP + 1}", 1),  # undeclared: refused once read past the cap
        (f"/gzip?n={100 * CAP}", 1),  # compressed: the decoded size counts
    ],
)
def test_a_body_over_the_cap_is_a_limit_error_naming_it(loopback, path, requests):
    # Given a listed server
    http = client(f"127.0.0.1:{loopback.port}")

    # When / Then
    with pytest.raises(ActionLimitError, match=f"over the {CAP}-byte limit"):
        get(http, f"http://127.0.0.1:{loopback.port}{path}")

    # And the connection is not reused half read
    assert get(http, f"http://127.0.0.1:{loopback.port}/bytes?n=3").body == b"xxx"


@pytest.mark.parametrize("path", [f"/bytes?n={CAP}", f"/chunked?n={CAP}"])
def test_a_body_at_the_cap_is_read_whole(loopback, path):
    # Given
    http = client(f"127.0.0.1:{loopback.port}")

    # When
    reply = get(http, f"http://127.0.0.1:{loopback.port}{path}")

    # Then
    assert len(reply.body) == CAP


def test_head_reads_no_body(loopback):
    # Given
    http = client(f"127.0.0.1:{loopback.port}")

    # When
    reply = http.request("HEAD", f"http://127.0.0.1:{loopback.port}/bytes?n=50", {}, None, 5)

    # Then
    assert (reply.status, reply.body, reply.headers["content-length"]) == (200, b"", "50")


# time and faults -------------------------------------------------------------------------------


SERVER_SECONDS = 20  # how long each misbehaving server would hold a call
DEADLINE = 0.5
# Ended at its deadline, not when the server would have: the bound is a fraction of the
# server's time and many times the deadline, so that a busy machine cannot fail it.
ENDED_IN_TIME = SERVER_SECONDS / 4


@pytest.mark.parametrize(
    "path",
    [
        f"/slow?seconds={SERVER_SECONDS}",  # no answer at all
        "/trickle?part=headers",  # a header one byte at a time, each read within the timeout
        "/trickle?part=body",  # a body of declared length, one byte at a time
        "/trickle?part=close",  # the same with Connection: close (http.client drops the socket)
        "/trickle?part=http10",  # HTTP/1.0, no length: the body ends when the server closes
        "/trickle?part=chunked",  # one-byte chunks
        "/slow-redirect?seconds=0.2",  # redirects, each hop within the timeout, never ending
    ],
)
def test_the_deadline_ends_the_call_whatever_the_server_does(loopback, path):
    # Given a server that would hold the call SERVER_SECONDS
    http = client(f"127.0.0.1:{loopback.port}")

    # When
    started = time.monotonic()
    with pytest.raises(ActionError, match=r"^http: GET 127\.0\.0\.1 timed out after 0\.5 s$"):
        get(http, f"http://127.0.0.1:{loopback.port}{path}", timeout=DEADLINE)

    # Then it ended at its deadline, long before the server would have
    assert time.monotonic() - started < ENDED_IN_TIME

    # And the client goes on serving calls
    assert get(http, f"http://127.0.0.1:{loopback.port}/bytes?n=2").body == b"xx"


@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "trickling"])
def test_the_deadline_ends_a_tls_handshake_that_never_completes(trickle):
    # Given a server that takes the TCP connection and never completes the TLS handshake
    server = StallingServer(trickle).start()
    http = client(f"127.0.0.1:{server.port}")
    try:
        # When
        started = time.monotonic()
        with pytest.raises(ActionError, match=r"^http: GET 127\.0\.0\.1 timed out after 0\.5 s"):
            get(http, f"https://127.0.0.1:{server.port}/", timeout=DEADLINE)

        # Then it ended at its deadline, having reached the server
        assert time.monotonic() - started < ENDED_IN_TIME
        assert server.connections == 1
    finally:
        server.stop()


def test_a_keep_alive_connection_that_turns_slow_is_ended_at_the_deadline(loopback):
    # Given a connection kept alive by a first call, then a server that trickles on it
    http = client(f"127.0.0.1:{loopback.port}")
    assert get(http, f"http://127.0.0.1:{loopback.port}/bytes?n=1").body == b"x"

    # When the next call reuses the connection
    started = time.monotonic()
    with pytest.raises(ActionError, match=r"timed out after 0\.5 s"):
        get(http, f"http://127.0.0.1:{loopback.port}/trickle?part=close", timeout=DEADLINE)

    # Then the deadline held on the reused connection too
    assert time.monotonic() - started < ENDED_IN_TIME
    assert loopback.connections == 1


class SlowResolver(Resolver):
    """Test names to loopback, each lookup taking `seconds` (a sender's DNS server that stalls)."""

    def __init__(self, names: dict[str, str | list[str]], seconds: float) -> None:
        super().__init__(names)
        self.seconds = seconds

    def __call__(self, host: str, port: int) -> list[str]:
        time.sleep(self.seconds)
        return super().__call__(host, port)


@pytest.mark.parametrize("redirected", [False, True], ids=["first", "redirect"])
def test_the_timeout_bounds_name_lookups_too(loopback, redirected):
    # Given names that take three seconds to look up: the first hop's, or a redirect's
    names = {"slow.test": "127.0.0.1"}
    http = client("slow.test", f"127.0.0.1:{loopback.port}", resolver=SlowResolver(names, 3.0))
    slow = f"http://slow.test:{loopback.port}/echo"
    url = redirect_url(loopback.port, slow) if redirected else slow

    # When
    started = time.monotonic()
    with pytest.raises(ActionError, match=r"^http: looking up slow\.test took longer than"):
        get(http, url, timeout=0.5)

    # Then the call ended at its deadline, not when the lookup did
    assert time.monotonic() - started < 1.5


def test_a_redirect_to_a_url_that_cannot_be_parsed_is_an_error_naming_the_hop(loopback):
    # Given a server that redirects to a URL that cannot be parsed
    http = client(f"127.0.0.1:{loopback.port}")

    # When / Then: an error of the call, naming the hop, never a crash of the client
    with pytest.raises(ActionError, match=r"^http: GET 127\.0\.0\.1: redirect to an invalid URL$"):
        get(http, redirect_url(loopback.port, "http://[::1"))


def test_a_closed_port_is_a_short_error():
    # Given a loopback port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    # When / Then
    with pytest.raises(ActionError, match=r"^http: POST 127\.0\.0\.1: could not connect$"):
        client(f"127.0.0.1:{port}").request(
            "POST", f"http://127.0.0.1:{port}/path?token=s3cret", {}, b"x", 2
        )


def test_errors_never_show_the_path_query_or_headers(loopback):
    # Given a call whose URL and headers carry secrets
    http = client(f"127.0.0.1:{loopback.port}")
    url = f"http://127.0.0.1:{loopback.port}/slow?seconds=2&token=s3cret"

    # When it fails
    with pytest.raises(ActionError) as error:
        http.request("GET", url, {"Authorization": "Bearer s3cret"}, None, 0.2)

    # Then
    assert "s3cret" not in str(error.value)
    assert "/slow" not in str(error.value)


# TLS --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoopbackServer, Path]]:
    cert, key = certificate(tmp_path_factory.mktemp("tls"), "hooks.test")
    started = LoopbackServer(tls_context(cert, key)).start()
    yield started, cert
    started.stop()


def test_https_checks_the_certificate_against_the_urls_host(tls_server):
    # Given a TLS server whose certificate names hooks.test, reached at a checked address
    server, cert = tls_server
    resolver = Resolver({"hooks.test": "127.0.0.1"})
    http = client("hooks.test", resolver=resolver, ca_certs=str(cert))

    # When
    reply = get(http, f"https://hooks.test:{server.port}/echo")

    # Then the certificate matched the name (SNI and check), the Host header too
    assert reply.status == 200
    assert echoed(reply)["headers"]["host"] == f"hooks.test:{server.port}"


def test_https_refuses_a_certificate_for_another_name(tls_server):
    # Given the same server reached under a name its certificate does not hold
    server, cert = tls_server
    resolver = Resolver({"other.test": "127.0.0.1"})
    http = client("other.test", resolver=resolver, ca_certs=str(cert))

    # When / Then
    with pytest.raises(ActionError, match=r"^http: GET other\.test: certificate check failed$"):
        get(http, f"https://other.test:{server.port}/echo")


def test_https_refuses_an_untrusted_certificate(tls_server):
    # Given the default trust store (boto3's), which does not hold the test's certificate
    server, _ = tls_server
    http = client("hooks.test", resolver=Resolver({"hooks.test": "127.0.0.1"}))

    # When / Then
    with pytest.raises(ActionError, match="certificate check failed"):
        get(http, f"https://hooks.test:{server.port}/echo")


# the container's client ---------------------------------------------------------------------


@pytest.fixture
def fresh_wiring() -> Iterator[None]:
    wiring.reset()
    yield
    wiring.reset()


def test_the_containers_client_takes_the_allow_list_from_the_environment(
    loopback, monkeypatch, fresh_wiring
):
    # Given the deployment's setting, as template.yaml passes HttpAllowedHosts
    monkeypatch.setenv("HTTP_ALLOWED_HOSTS", f"example.org, 127.0.0.1:{loopback.port}")

    # When scripts' calls go through the container's client
    http = wiring.http_client()
    reply = get(http, f"http://127.0.0.1:{loopback.port}/bytes?n=1")

    # Then the listed loopback server answers, through one client per container
    assert reply.body == b"x"
    assert wiring.http_client() is http


def test_a_malformed_allow_list_entry_fails_loudly(monkeypatch, fresh_wiring):
    # Given a typo in the deployment's setting
    monkeypatch.setenv("HTTP_ALLOWED_HOSTS", "http://127.0.0.1:8080/")

    # When / Then the client is not built with a silently ignored entry
    with pytest.raises(ValueError, match="is not a host or host:port"):
        wiring.http_client()
