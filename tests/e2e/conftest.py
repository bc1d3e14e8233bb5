"""The local stack, started once per session as `python -m webhooks_local serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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


def _healthy(client: Client) -> bool:
    try:
        return client.admin("GET", "/health").status == 200
    except OSError:
        return False


def _wait_until_healthy(process: subprocess.Popen[bytes], state_path: Path, log: Path) -> Client:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if state_path.exists():
            port = json.loads(state_path.read_text())["port"]
            client = Client(f"http://127.0.0.1:{port}", state_path)
            if _healthy(client):
                return client
        time.sleep(0.2)
    pytest.fail(f"the local stack did not become healthy:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A running local stack on a free port; stopped (SIGINT, then kill) at the end."""
    directory = tmp_path_factory.mktemp("local-stack")
    state_path, log = directory / "stack.json", directory / "serve.log"
    environment = os.environ | {
        "PORT": "0",
        "WEBHOOKS_ADMIN_TOKEN": TOKEN,
        "WEBHOOKS_LOCAL_STATE": str(state_path),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "webhooks_local", "serve", "--quiet"],
            cwd=REPO,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_until_healthy(process, state_path, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
