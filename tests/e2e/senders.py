"""Real senders' deliveries for the end-to-end replays: GitHub's community payloads
(`@octokit/webhooks-examples`), signed by GitHub's own signing code (`@octokit/webhooks-methods`),
both installed with npm from the versions locked in `github_corpus/`."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "github_corpus"
NPM_TIMEOUT = 600


@dataclass(frozen=True)
class Delivery:
    """One webhook as GitHub delivers it."""

    event: str
    body: bytes
    headers: dict[str, str]


def github_deliveries(directory: Path, secret: str) -> list[Delivery]:
    """Every example payload, signed with `secret`, with GitHub's headers; skips, saying so,
    where node or npm is missing (CI installs both: .ci/run)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not installed: GitHub's payload corpus cannot be signed")
    for name in ("package.json", "package-lock.json", "sign.mjs"):
        shutil.copy(CORPUS / name, directory / name)
    _run(["npm", "ci", "--no-audit", "--no-fund"], directory)
    lines = _run(["node", "sign.mjs", secret], directory).splitlines()
    return [_delivery(json.loads(line)) for line in lines]


def _delivery(signed: dict[str, str]) -> Delivery:
    headers = {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/044aadd",
        "x-github-event": signed["event"],
        "x-github-delivery": str(uuid.uuid4()),
        "x-hub-signature-256": signed["signature"],
    }
    return Delivery(signed["event"], signed["body"].encode(), headers)


def _run(command: list[str], directory: Path) -> str:
    done = subprocess.run(
        command, cwd=directory, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False
    )
    if done.returncode:
        pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout
