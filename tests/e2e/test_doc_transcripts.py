"""The docs' shell transcripts, run as a reader runs them, in a fresh clone of the repository's
HEAD: the page's `make serve` in one terminal (the first one building the clone's virtual
environments, as on a new machine), its other commands in another, each printing what the page
shows (tests/docs/transcripts.py says how outputs are compared). What is tested is the committed
tree: commit before running it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.docs.samples import REPO, samples
from tests.docs.transcripts import (
    DOC_TOKEN,
    SERVE,
    Matcher,
    Shell,
    environment,
    local,
    page_steps,
    serving,
)

pytestmark = pytest.mark.e2e

TRANSCRIPTS = samples("console")
PAGES = sorted({block.page for block in TRANSCRIPTS})
# Commands that only read, tried again while the stack is still processing what came before.
READS = ("webhooks messages list", "webhooks messages show", "webhooks dead-letters list")
PATIENCE = 60.0
# Seconds the first `make serve` may take to build the clone's venvs and print its banner: a
# guard against a hang, far above what it takes on a busy machine (about 5 minutes).
BUILD_PATIENCE = 1800.0


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's HEAD, cloned as a new user clones it: no venv, no .local, nothing
    ignored or uncommitted."""
    directory = tmp_path_factory.mktemp("fresh") / "webhooks"
    head = git(REPO, "rev-parse", "HEAD")
    git(REPO, "clone", "--quiet", "--no-checkout", str(REPO), str(directory))
    git(directory, "checkout", "--quiet", "--detach", head)
    return directory


def git(directory: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(directory), *arguments],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.strip()


def run_until_shown(shell: Shell, matcher: Matcher, command: str, expected: str) -> str:
    deadline = time.monotonic() + (PATIENCE if command.startswith(READS) else 0)
    while True:
        printed = shell.run(command)
        if matcher.matches(expected, printed) or time.monotonic() > deadline:
            return printed
        time.sleep(0.5)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_each_pages_transcript_prints_what_the_page_shows(page: Path, clone: Path, tmp_path: Path):
    # Given the page's transcript, which starts the stack, and a fresh clone to run it in
    (_, serve), *rest = page_steps([b for b in TRANSCRIPTS if b.page == page])
    assert SERVE.match(serve.command), f"{page}: a transcript starts with make serve"
    state = tmp_path / "stack.json"
    reader = environment(state)
    matcher = Matcher()

    with serving(serve.command, reader, clone, BUILD_PATIENCE) as (banner, url, token):
        # Then the stack says what the page shows
        assert matcher.matches(serve.expected, banner.replace(token, DOC_TOKEN)), banner
        shell = Shell({k: v for k, v in reader.items() if not k.startswith("WEBHOOKS_")}, clone)
        try:
            for block, step in rest:
                # When each command runs
                command = local(matcher.command(step.command), url, token, state)
                printed = run_until_shown(shell, matcher, command, step.expected)

                # Then it prints what the page shows
                assert matcher.matches(step.expected, printed), (
                    f"{block.where}: $ {step.command}\n--- shown ---\n{step.expected}\n"
                    f"--- printed ---\n{printed}"
                )
        finally:
            shell.close()
