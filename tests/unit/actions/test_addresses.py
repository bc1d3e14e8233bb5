"""The address policy of outbound `http`, by class of target: metadata, private, link-local,
unique-local, loopback, every spelling of them, names resolving to them, and the URL rules.
Names resolve through a fake resolver: no lookup leaves the test."""

from __future__ import annotations

import ipaddress
import time

import pytest

from webhook_engine.actions.addresses import AddressPolicy, parse_allowed, refusal
from webhook_engine.actions.errors import ActionError, ActionRefused

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


class FakeResolver:
    """Names to addresses, recording each lookup."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        if host not in self.table:
            raise OSError(-2, "Name or service not known")
        return self.table[host]


def policy(allowed: tuple[str, ...] = (), **names: list[str]) -> AddressPolicy:
    table = {name.replace("_", "."): addresses for name, addresses in names.items()}
    return AddressPolicy(allowed, resolver=FakeResolver(table))


# addresses by class -------------------------------------------------------------------------

REFUSED = {
    "cloud metadata": ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2"],
    "private": ["10.0.0.1", "172.16.5.4", "192.168.1.1"],
    "shared (carrier-grade NAT)": ["100.64.0.1", "100.127.255.254"],
    "link-local": ["169.254.1.1", "fe80::1"],
    "unique-local": ["fd00::1", "fc00::1"],
    "loopback": ["127.0.0.1", "127.255.255.254", "::1"],
    "unspecified": ["0.0.0.0", "::"],
    "multicast": ["224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1"],
    "reserved": ["240.0.0.1", "255.255.255.255"],
    "site-local": ["fec0::1"],
}


@pytest.mark.parametrize(
    ("address", "reason"),
    [(address, reason) for reason, addresses in REFUSED.items() for address in addresses],
)
def test_each_class_of_non_public_address_is_refused_by_name(address: str, reason: str) -> None:
    # Given an address of a class scripts must not reach
    # When the policy classifies it
    found = refusal(ipaddress.ip_address(address))

    # Then it is refused, naming its class
    assert found is not None
    assert reason in found


@pytest.mark.parametrize(
    ("address", "inner"),
    [
        ("::ffff:169.254.169.254", "cloud metadata"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::127.0.0.1", "loopback"),  # IPv4-compatible (deprecated)
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),  # NAT64 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:a9fe:a9fe::1", "cloud metadata"),  # 6to4 of 169.254.169.254
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_ipv4_inside_ipv6_forms_is_judged_as_the_ipv4_address(address: str, inner: str) -> None:
    # Given an IPv6 address that carries a refused IPv4 address
    # When it is classified
    found = refusal(ipaddress.ip_address(address))

    # Then the IPv4 address inside decides, and the reason says so
    assert found is not None
    assert inner in found
    assert "inside an IPv6 address" in found


@pytest.mark.parametrize(
    "address", [PUBLIC_V4, "8.8.8.8", PUBLIC_V6, "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses_and_their_mapped_forms_pass(address: str) -> None:
    # Given a public address, also mapped into IPv6 or through NAT64
    # When / Then
    assert refusal(ipaddress.ip_address(address)) is None


# URLs with literal addresses, in every spelling -----------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://[fd00::1]/", "fd00::1"),
        ("http://[fd00:ec2::254]/latest", "fd00:ec2::254"),
        ("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "127.0.0.1"),
        ("http://[::1]:8080/", "::1"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://[::ffff:a9fe:a9fe]/", "::ffff:169.254.169.254"),
        ("http://0x7f.1/", "127.0.0.1"),  # hexadecimal, two parts
        ("http://2130706433/", "127.0.0.1"),  # one decimal number
        ("http://017700000001/", "127.0.0.1"),  # one octal number
        ("http://0177.0.0.01/", "127.0.0.1"),  # octal parts
        ("http://0xA9.0xFE.0xA9.0xFE/", "169.254.169.254"),
        ("http://169.254.43518/", "169.254.169.254"),  # last part fills two bytes
        ("http://10.1/", "10.0.0.1"),
        ("http://127.0.0.1./", "127.0.0.1"),  # trailing dot
        ("http://0/", "0.0.0.0"),
        ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "127.0.0.1"),  # fullwidth digits
    ],
)
def test_literal_addresses_in_any_spelling_are_refused(url: str, shown: str) -> None:
    # Given a policy with no allow-list, whose resolver would fail any lookup
    checker = policy()

    # When a URL names a refused address directly, however it is spelt
    with pytest.raises(ActionRefused) as refused:
        checker.check(url)

    # Then it is refused, showing the address it stands for and how to allow it
    assert str(refused.value).startswith(f"http: {shown} is ")
    assert "refused (allow the host with HttpAllowedHosts)" in str(refused.value)


# names resolving to refused addresses --------------------------------------------------------


@pytest.mark.parametrize(
    ("addresses", "culprit"),
    [
        (["169.254.169.254"], "169.254.169.254"),
        (["10.0.0.1"], "10.0.0.1"),
        (["fd00::1"], "fd00::1"),
        (["127.0.0.1"], "127.0.0.1"),
        (["::1"], "::1"),
        (["::ffff:169.254.169.254"], "::ffff:169.254.169.254"),
        ([PUBLIC_V4, "10.0.0.1"], "10.0.0.1"),  # one public, one private
        ([PUBLIC_V6, "fe80::1%eth0"], "fe80::1%eth0"),
    ],
)
def test_a_name_resolving_to_any_refused_address_is_refused(
    addresses: list[str], culprit: str
) -> None:
    # Given a name whose answers include a refused address
    checker = policy(hooks_example_com=addresses)

    # When a URL names it
    with pytest.raises(ActionRefused) as refused:
        checker.check("https://hooks.example.com/notify")

    # Then it is refused, naming the name and the address
    assert str(refused.value).startswith(f"http: hooks.example.com resolves to {culprit}, ")


def test_a_public_name_gives_every_checked_address_to_connect_to() -> None:
    # Given a name with public IPv4 and IPv6 answers
    resolver = FakeResolver({"api.example.com": [PUBLIC_V4, PUBLIC_V6]})
    checker = AddressPolicy((), resolver=resolver)

    # When a URL names it
    target = checker.check("https://API.Example.com:8443/v1/items?x=1#frag")

    # Then the target holds the checked addresses, looked up once, for the URL's port
    assert target.addresses == (PUBLIC_V4, PUBLIC_V6)
    assert resolver.lookups == [("api.example.com", 8443)]
    assert (target.scheme, target.host, target.port) == ("https", "api.example.com", 8443)
    assert target.request_target == "/v1/items?x=1"
    assert target.host_header == "api.example.com:8443"


def test_a_name_that_does_not_resolve_is_an_error_not_a_refusal() -> None:
    # Given a resolver that knows no names
    checker = policy()

    # When / Then
    with pytest.raises(ActionError, match=r"^http: cannot resolve nowhere\.example$") as error:
        checker.check("http://nowhere.example/")
    assert not isinstance(error.value, ActionRefused)


# the allow-list --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "url"),
    [
        ("127.0.0.1:8080", "http://127.0.0.1:8080/hook"),
        ("127.0.0.1", "http://127.0.0.1:9999/"),  # no port: any port
        ("[::1]:8080", "http://[::1]:8080/"),
        ("Internal.Example", "https://internal.example/"),  # case-insensitive
        ("internal.example:443", "https://INTERNAL.example./"),  # default port, trailing dot
        ("0x7f.0.0.1:8080", "http://2130706433:8080/"),  # the same address, spelt otherwise
    ],
)
def test_listed_hosts_skip_the_address_check(entry: str, url: str) -> None:
    # Given a deployment that allows the host
    checker = policy((entry,), internal_example=["10.1.2.3"])

    # When a URL names it
    target = checker.check(url)

    # Then it passes, with its address to connect to
    assert target.addresses


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8081/",  # another port
        "http://localhost:8080/",  # another name for the address
        "http://127.0.0.2:8080/",
        "http://sub.internal.example/",  # exact host only, no subdomains
    ],
)
def test_the_allow_list_matches_exactly_host_and_port(url: str) -> None:
    # Given a deployment that allows two exact entries
    checker = policy(
        ("127.0.0.1:8080", "internal.example"),
        localhost=["127.0.0.1"],
        sub_internal_example=["10.1.2.3"],
    )

    # When / Then anything else stays refused
    with pytest.raises(ActionRefused):
        checker.check(url)


def test_an_allowed_host_still_obeys_the_url_rules() -> None:
    # Given an allowed host
    checker = policy(("127.0.0.1",))

    # When / Then
    with pytest.raises(ActionRefused, match="user or password"):
        checker.check("http://admin:secret@127.0.0.1/")
    with pytest.raises(ActionRefused, match="only http and https"):
        checker.check("ftp://127.0.0.1/")


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("example.com", ("example.com", None)),
        (" Example.com:8443 ", ("example.com", 8443)),
        ("[::1]:80", ("::1", 80)),
        ("[::1]", ("::1", None)),
        ("2130706433", ("127.0.0.1", None)),
    ],
)
def test_allow_list_entries_parse(entry: str, parsed: tuple[str, int | None]) -> None:
    assert parse_allowed(entry) == parsed


@pytest.mark.parametrize(
    "entry",
    [
        "http://example.com",
        "example.com/path",
        "example.com:",
        "example.com:0",
        "a:b",
        "u@h",
        "::1",
    ],
)
def test_malformed_allow_list_entries_are_errors_naming_them(entry: str) -> None:
    # When / Then a typo in the deployment's list is an error, never a silent entry
    with pytest.raises(ValueError, match="is not a host or host:port"):
        AddressPolicy([entry])


# the URL rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("example.com/path", "only http and https"),
        ("http://user:pass@example.com/", "user or password"),
        ("http://user@example.com/", "user or password"),
        ("http://example.com@10.0.0.1/", "user or password"),
        ("http:///path", "no host"),
        ("http://:80/", "no host"),
        ("http://example.com:0/", "port"),
        ("http://example.com:65536/", "port"),
        ("http://example.com:http/", "port"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com/a b", "spaces"),
        ("http://example.com\\@10.0.0.1/", "backslashes"),
        ("http://example.com/\r\nHost: evil", "control characters"),
        ("http://[::1/", "not valid"),
        ("http://[fe80::1%25eth0]/", "not a valid name or address"),
        ("http://exa..mple.com/", "not a valid name or address"),
        ("http://1.2.3.4.5/", "not a valid name or address"),
        ("http://256.1.1.1/", "not a valid name or address"),
        ("http://08.0.0.1/", "not a valid name or address"),  # 8 is not octal
        ("http://example.123/", "not a valid name or address"),  # numeric last label
        ("http://exa%6dple.com/", "not a valid name or address"),
    ],
)
def test_urls_breaking_a_rule_are_refused_naming_it(url: str, message: str) -> None:
    # Given a policy that would resolve every name to a public address
    checker = AddressPolicy((), resolver=lambda host, port: [PUBLIC_V4])

    # When / Then
    with pytest.raises(ActionRefused, match=message):
        checker.check(url)


@pytest.mark.parametrize(
    ("url", "request_target", "host_header"),
    [
        ("http://example.com", "/", "example.com"),
        ("https://example.com:443/a", "/a", "example.com"),
        ("http://example.com:/a", "/a", "example.com"),
        ("https://example.com/ü?q=ä", "/%C3%BC?q=%C3%A4", "example.com"),
        ("http://example.com/a%20b?x=%2F&y=1", "/a%20b?x=%2F&y=1", "example.com"),
        ("http://bücher.example/", "/", "xn--bcher-kva.example"),
        ("http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:81/", "/", f"[{PUBLIC_V6}]:81"),
    ],
)
def test_targets_are_encoded_for_the_request_line(
    url: str, request_target: str, host_header: str
) -> None:
    # Given a policy that resolves every name to a public address
    checker = AddressPolicy((), resolver=lambda host, port: [PUBLIC_V4])

    # When
    target = checker.check(url)

    # Then non-ASCII is percent-encoded, existing escapes kept, the fragment dropped
    assert (target.request_target, target.host_header) == (request_target, host_header)


# time ---------------------------------------------------------------------------------------


def test_a_lookup_slower_than_the_time_given_ends_the_check_at_that_time() -> None:
    # Given a name whose lookup takes two seconds (a sender's DNS server that answers late)
    def slow(host: str, port: int) -> list[str]:
        time.sleep(2.0)
        return [PUBLIC_V4]

    checker = AddressPolicy((), resolver=slow)
    started = time.monotonic()

    # When the URL is checked with a fifth of a second to spare
    with pytest.raises(ActionError) as failed:
        checker.check("https://slow.example.com/", within=0.2)

    # Then the check gave up at that time, naming the host and the time
    assert time.monotonic() - started < 1.0
    assert str(failed.value) == "http: looking up slow.example.com took longer than 0.2 s"


def test_a_bounded_lookup_is_judged_as_a_plain_one() -> None:
    # Given a resolver that answers at once: a private address, or no address
    checker = policy(hooks_example_com=["10.0.0.1"])

    # When / Then: within a time limit, its answers are refused and failed as without one
    with pytest.raises(ActionRefused, match="a private address"):
        checker.check("http://hooks.example.com/", within=1.0)
    with pytest.raises(ActionError, match=r"^http: cannot resolve nowhere\.example$"):
        checker.check("http://nowhere.example/", within=1.0)
