"""The admin API keeps the contract docs/openapi.json states: schemathesis, with all its checks,
against a local stack of its own (it creates, changes and deletes configuration freely)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, TOKEN
from webhooks_local.child import StackStartError, serving

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Generous: about 2 minutes on 2 quiet cores; the examples are bounded, not the time.
RUN_TIMEOUT = 900


@pytest.fixture(scope="module")
def admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("contract-stack")
    try:
        with serving(directory, TOKEN) as port:
            yield f"http://127.0.0.1:{port}/admin/v1"
    except StackStartError as error:
        pytest.fail(str(error))


def test_schemathesis_finds_nothing_against_the_running_admin_api(admin_url, tmp_path):
    # Given the committed document and the running admin API
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(REPO / "docs" / "openapi.json"),
        "--url",
        admin_url,
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--checks",
        "all",
    ]

    # When schemathesis runs every phase and every check on every operation
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )

    # Then it found no failure (its report is the assertion's message)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert " passed" in run.stdout
