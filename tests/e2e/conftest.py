"""The local stack, started once per session as `python -m webhooks_local serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from webhooks_local.child import StackStartError, serving

REPO = Path(__file__).parents[2]
TOKEN = "e2e-token"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Client:
    """Plain HTTP to the local stack (stdlib only)."""

    base_url: str
    state_path: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def admin(self, method: str, path: str) -> Answer:
        return self.request(
            method, f"/admin/v1{path}", headers={"Authorization": f"Bearer {TOKEN}"}
        )


@contextmanager
def running(directory: Path) -> Iterator[Client]:
    """A local stack on a free port, its state in `directory`; the test fails if it does not
    start."""
    try:
        with serving(directory, TOKEN) as port:
            yield Client(f"http://127.0.0.1:{port}", directory / "stack.json")
    except StackStartError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A running local stack on a free port, stopped at the end of the session."""
    with running(tmp_path_factory.mktemp("local-stack")) as client:
        yield client
