"""Unit tests reach no network: opening any socket but a Unix one raises SocketBlockedError.

A test that needs a socket, even on loopback (a fake HTTP server, the local gateway), belongs
in tests/integration or tests/e2e.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def network_disabled() -> Iterator[None]:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
