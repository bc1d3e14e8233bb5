"""Where outbound HTTP may go: the URL rules and the address policy.

A URL is checked before every hop (the first request and each redirect): scheme http or
https, a host, no user or password in it. Its host is resolved once, and every address it
resolves to must be public: loopback, private, shared, link-local, unique-local, multicast,
reserved and cloud metadata addresses are refused, in every spelling (`0x7f.1`,
`2130706433`, `[::ffff:127.0.0.1]`) and inside the IPv6 forms that carry an IPv4 address.
Hosts on the deployment's allow-list skip the address check, never the URL rules. The client
then connects to the address checked here, so a second lookup cannot answer differently.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NoReturn
from urllib.parse import SplitResult, quote, urlsplit

from webhook_engine.actions.errors import ActionError, ActionRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]  # (host, port) -> addresses

ALLOW_HINT = "allow the host with HttpAllowedHosts"
DEFAULT_PORTS = {"http": 80, "https": 443}

# Instance metadata and similar services that answer on the local network: AWS (IPv4 and
# IPv6, plus its DNS and the ECS task endpoint), GCP and Azure (169.254.169.254), Alibaba
# Cloud, Oracle Cloud, Tencent Cloud.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",
        "169.254.169.253",
        "169.254.169.123",
        "169.254.170.2",
        "169.254.170.23",
        "fd00:ec2::254",
        "fd00:ec2::253",
        "fd00:ec2::23",
        "100.100.100.200",
        "192.0.0.192",
        "169.254.0.23",
    )
)
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated IPv4-compatible form
_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, spaces, backslashes
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class Target:
    """A URL that passed the rules, and the addresses to connect to (all of them checked)."""

    url: str
    scheme: str
    host: str  # lower case, IDNA-encoded; an IP address in its canonical form
    port: int
    addresses: tuple[str, ...]
    request_target: str  # path and query, percent-encoded, for the request line

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def host_header(self) -> str:
        """The Host header: the name as the URL gave it, the port when not the default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if DEFAULT_PORTS[self.scheme] == self.port else f"{name}:{self.port}"


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (TCP), in its order of preference."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in found))


class AddressPolicy:
    """Checks URLs for outbound HTTP against the rules and the deployment's allow-list."""

    def __init__(self, allowed_hosts: Iterable[str] = (), resolver: Resolver = resolve) -> None:
        """`allowed_hosts`: entries `host` (any port) or `host:port`; `[v6]:port` for IPv6."""
        entries = [parse_allowed(entry) for entry in allowed_hosts if entry.strip()]
        self._hosts = frozenset(host for host, port in entries if port is None)
        self._host_ports = frozenset(entry for entry in entries if entry[1] is not None)
        self._resolver = resolver

    def allows(self, host: str, port: int) -> bool:
        """Whether the deployment listed `host` (normalised as `Target.host`) for `port`."""
        return host in self._hosts or (host, port) in self._host_ports

    def check(self, url: str, within: float | None = None) -> Target:
        """The URL's target, resolved and checked; ActionRefused naming the rule otherwise,
        ActionError when the host cannot be resolved (within `within` seconds, if given)."""
        target = self.check_url(url)
        if target.addresses:  # an IP address, checked already
            return target
        addresses = self._resolve(target.host, target.port, within)
        if not self.allows(target.host, target.port):
            for address in addresses:
                _refuse(target.host, address)
        return replace(target, addresses=tuple(str(address) for address in addresses))

    def check_url(self, url: str) -> Target:
        """What can be checked without a lookup (what a dry run checks): the URL rules, and
        the address rules when the host is an IP address. A name's target has no addresses."""
        parts = _split(url)
        scheme, host, port = parts.scheme, normalise_host(parts.hostname or ""), _port(parts)
        literal = ip_literal(host)
        if literal and not self.allows(host, port):
            _refuse(host, literal)
        return Target(
            url=url,
            scheme=scheme,
            host=host,
            port=port,
            addresses=(str(literal),) if literal else (),
            request_target=_request_target(parts),
        )

    def _resolve(self, host: str, port: int, within: float | None) -> tuple[Address, ...]:
        try:
            found = _lookup(self._resolver, host, port, within)
            addresses = tuple(ipaddress.ip_address(address) for address in found)
        except (OSError, UnicodeError, ValueError):
            addresses = ()
        if not addresses:
            raise ActionError(f"http: cannot resolve {host}")
        return addresses


def _lookup(resolver: Resolver, host: str, port: int, within: float | None) -> Sequence[str]:
    """The resolver's answer, within `within` seconds if given: a lookup cannot be cancelled,
    so it runs in a daemon thread that is left to end on its own when it takes longer (the
    system resolver gives up after its own timeouts, far longer than a script may wait)."""
    if within is None:
        return resolver(host, port)
    answer: list[Sequence[str]] = []
    failure: list[Exception] = []

    def look_up() -> None:
        try:
            answer.append(resolver(host, port))
        except Exception as error:
            failure.append(error)

    thread = threading.Thread(target=look_up, name="http-lookup", daemon=True)
    thread.start()
    thread.join(max(within, 0.0))
    if failure:
        raise failure[0]
    if not answer:
        raise ActionError(f"http: looking up {host} took longer than {within:.3g} s")
    return answer[0]


def refusal(address: Address) -> str | None:
    """Why scripts may not reach `address` ("a loopback address"), or None when it is public."""
    if address in METADATA:
        return "a cloud metadata address"
    embedded = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if embedded is not None:
        reason = refusal(embedded)
        if reason is not None:
            return f"{reason} ({embedded} inside an IPv6 address)"
        if address in _MAPPED or address in _NAT64:
            return None  # the public IPv4 address it stands for
    return _address_class(address)


def _address_class(address: Address) -> str | None:
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address in _SHARED, "a shared (carrier-grade NAT) address"),
        (address in _UNIQUE_LOCAL, "a unique-local address"),
        (
            isinstance(address, ipaddress.IPv6Address) and address.is_site_local,
            "a site-local address",
        ),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: mapped, NAT64, 6to4, Teredo, compatible."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refuse(host: str, address: Address) -> None:
    reason = refusal(address)
    if reason is None:
        return
    subject = f"{address} is" if host == str(address) else f"{host} resolves to {address},"
    raise ActionRefused(f"http: {subject} {reason}; refused ({ALLOW_HINT})")


def parse_allowed(entry: str) -> tuple[str, int | None]:
    """An allow-list entry as (host, port or None); ValueError when it is neither form."""
    text = entry.strip()
    try:
        parts = urlsplit(f"//{text}")
        if parts.netloc != text or "@" in text or text.endswith(":") or not parts.hostname:
            raise ValueError
        if parts.port == 0:
            raise ValueError
        return normalise_host(parts.hostname), parts.port
    except (ValueError, ActionRefused):
        raise ValueError(f"allowed host {text!r} is not a host or host:port") from None


def normalise_host(host: str) -> str:
    """`host` as the allow-list compares it: lower case, IDNA, without a trailing dot, an IP
    address canonical (`0x7f.1` -> `127.0.0.1`); ActionRefused when it is neither a name nor
    an address."""
    try:
        name = host.lower().encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        _invalid_host()
    if ":" in name:  # only IPv6 literals hold colons (urlsplit took the brackets off)
        return str(_ipv6(name))
    name = name.removesuffix(".")
    if not _NAME.fullmatch(name):
        _invalid_host()
    if _NUMBER.fullmatch(name.rsplit(".", 1)[-1]):  # as browsers do: a number ends IPv4 only
        return str(_legacy_ipv4(name))
    return name


def ip_literal(host: str) -> Address | None:
    """The address a normalised host spells, or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _ipv6(text: str) -> ipaddress.IPv6Address:
    if "%" in text:  # a zone identifier names an interface of this machine
        _invalid_host()
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        _invalid_host()


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address:
    """An IPv4 address in any form inet_aton takes: 1 to 4 parts, each decimal, octal
    (leading 0) or hexadecimal (0x), the last filling the remaining bytes."""
    parts = host.split(".")
    if len(parts) > 4 or not all(_NUMBER.fullmatch(part) for part in parts):
        _invalid_host()
    try:
        numbers = [_number(part) for part in parts]
    except ValueError:
        _invalid_host()
    *head, last = numbers
    if any(number > 255 for number in head) or last >= 256 ** (4 - len(head)):
        _invalid_host()
    value = sum(number << (8 * (3 - index)) for index, number in enumerate(head))
    return ipaddress.IPv4Address(value + last)


def _number(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def _invalid_host() -> NoReturn:
    raise ActionRefused("http: the URL's host is not a valid name or address")


def _split(url: str) -> SplitResult:
    if _UNSAFE.search(url):
        raise ActionRefused("http: the URL holds spaces, backslashes or control characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ActionRefused("http: the URL is not valid") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise ActionRefused("http: only http and https URLs are allowed")
    if "@" in parts.netloc:
        raise ActionRefused("http: URLs with a user or password are refused; send a header")
    if not parts.hostname:
        raise ActionRefused("http: the URL has no host")
    return parts


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None:
        return DEFAULT_PORTS[parts.scheme]
    if not port:
        raise ActionRefused("http: the URL's port is not a number from 1 to 65535")
    return port


def _request_target(parts: SplitResult) -> str:
    """Path and query for the request line, non-ASCII and unsafe characters percent-encoded
    (the fragment stays with the client, as browsers keep it)."""
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    return f"{path}?{quote(parts.query, safe=_QUERY_SAFE)}" if parts.query else path
