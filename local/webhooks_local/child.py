"""The local stack as a child process, as the end-to-end tests and the benchmark run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
STATE_FILE = "stack.json"  # in the directory given to `serving`


class StackStartError(RuntimeError):
    """The stack did not become healthy; the message ends with its log."""


@contextmanager
def serving(
    directory: Path, token: str, config: Path | None = None, timeout: float = START_TIMEOUT
) -> Iterator[int]:
    """Run `webhooks_local serve --quiet` on a free port, its state file and log in
    `directory`; yield the port once the admin API answers, then stop it (also on errors)."""
    state, log = directory / STATE_FILE, directory / "serve.log"
    environment = os.environ | {
        "PORT": "0",
        "WEBHOOKS_ADMIN_TOKEN": token,
        "WEBHOOKS_LOCAL_STATE": str(state),
        "PYTHONUNBUFFERED": "1",
    }
    if config is not None:
        environment["WEBHOOKS_CONFIG"] = str(config)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "webhooks_local", "serve", "--quiet"],
            cwd=Path(__file__).resolve().parents[2],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_until_healthy(process, state, token, time.monotonic() + timeout, log)
    finally:
        stop(process)


def _wait_until_healthy(
    process: subprocess.Popen[bytes], state: Path, token: str, deadline: float, log: Path
) -> int:
    while process.poll() is None and time.monotonic() < deadline:
        try:
            port = int(json.loads(state.read_text(encoding="utf-8"))["port"])
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/admin/v1/health",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return port
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise StackStartError(f"the local stack did not become healthy\n--- serve.log ---\n{tail}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (the stack stops its workers and moto), then kill if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
