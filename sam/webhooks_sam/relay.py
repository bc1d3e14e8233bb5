"""A TCP relay from Docker's bridge to a server on this machine's loopback.

SAM CLI 1.170 starts its Lambda containers on Docker's default bridge whatever
`--docker-network` says (it skips "host"), so they cannot reach 127.0.0.1 of this machine,
where the local stack's moto listens. The relay listens on this machine's address on that
bridge, which only this machine and its containers reach, for as long as a SAM command runs.
"""

from __future__ import annotations

import fcntl
import select
import socket
import socketserver
import struct
import subprocess
import threading
from types import TracebackType
from typing import Self

SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address
CHUNK = 65_536


def bridge_address() -> str:
    """This machine's IPv4 address on Docker's default bridge (where `host-gateway` points)."""
    name = subprocess.run(
        ["docker", "network", "inspect", "bridge", "--format",
         '{{index .Options "com.docker.network.bridge.name"}}'],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("256s", name.encode()[:15])
        answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
    return socket.inet_ntoa(answer[20:24])


class _Pipe(socketserver.BaseRequestHandler):
    """One connection: bytes both ways until either side closes."""

    server: Relay

    def handle(self) -> None:
        with socket.create_connection(self.server.target, timeout=10) as upstream:
            upstream.settimeout(None)
            peers = {self.request: upstream, upstream: self.request}
            while True:
                readable, _, _ = select.select(list(peers), [], [])
                for source in readable:
                    data = source.recv(CHUNK)
                    if not data:
                        return
                    peers[source].sendall(data)


class Relay(socketserver.ThreadingTCPServer):
    """Listens on `host` (a free port) and relays each connection to `target`."""

    daemon_threads = True

    def __init__(self, host: str, target: tuple[str, int]) -> None:
        super().__init__((host, 0), _Pipe)
        self.target = target
        self._thread = threading.Thread(target=self.serve_forever, name="relay", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.shutdown()
        self.server_close()
