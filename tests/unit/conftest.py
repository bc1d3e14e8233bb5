"""Unit tests reach no network and start neither moto nor a process.

Opening any socket but a Unix one raises SocketBlockedError; starting moto, a subprocess or a
multiprocessing process fails the test. A test that needs one of them (a fake HTTP server, the
local gateway, moto, script processes of its own) belongs in tests/integration or tests/e2e.
The one process allowed is the script sandbox's zygote, started once per test session: the
pipeline's logic runs its scripts there, as in Lambda.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from typing import Any

import pytest
from moto.core.models import MockAWS
from pytest_socket import disable_socket, enable_socket

ZYGOTE = "webhook_engine.sandbox.zygote"
_popen = subprocess.Popen.__init__


@pytest.fixture(autouse=True)
def network_disabled() -> Iterator[None]:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


def _refused(what: str) -> Callable[..., Any]:
    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"a unit test started {what}: it belongs in tests/integration")

    return refuse


def _zygote_only(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
    if ZYGOTE not in list(args):
        _refused(f"a process ({args!r})")()
    _popen(self, args, *rest, **kwargs)


@pytest.fixture(autouse=True)
def no_moto_and_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MockAWS, "start", _refused("moto"))
    monkeypatch.setattr(BaseProcess, "start", _refused("a multiprocessing process"))
    monkeypatch.setattr(subprocess.Popen, "__init__", _zygote_only)
