"""A sandbox shared by a test module, and a fresh script process for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhook_engine.sandbox.confinement import ProcessLimits
from webhook_engine.sandbox.supervisor import Sandbox, ScriptProcess


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    running = Sandbox(ProcessLimits(memory_mb=256), grace=0.3)
    yield running
    running.close()


@pytest.fixture
def process(sandbox: Sandbox) -> Iterator[ScriptProcess]:
    with sandbox.process() as fresh:
        yield fresh
