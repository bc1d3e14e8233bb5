"""Fixtures for CLI tests: a fake admin API on a free port, and a runner of `main(argv)`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.cli.fake_api import FakeAdminApi
from tests.integration.cli.harness import TOKEN, Result, Run
from webhooks_cli.main import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the developer's shell reaches the CLI under test."""
    for name in (
        "WEBHOOKS_URL",
        "WEBHOOKS_ADMIN_TOKEN",
        "WEBHOOKS_ROLE",
        "WEBHOOKS_LOCAL_STATE",
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAdminApi]:
    fake = FakeAdminApi()
    fake.start()
    monkeypatch.setenv("WEBHOOKS_URL", fake.url)
    monkeypatch.setenv("WEBHOOKS_ADMIN_TOKEN", TOKEN)
    yield fake
    fake.stop()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
