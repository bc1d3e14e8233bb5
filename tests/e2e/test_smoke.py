"""`make smoke` against the local stack, as an operator runs it after `make deploy`: one line
per step, every step passing."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.e2e.conftest import REPO, TOKEN

pytestmark = pytest.mark.e2e

STEPS = [
    "health",
    "async webhook",
    "async final state",
    "sync webhook",
    "sync final state",
    "resubmit",
    "dry run",
]
LINE = re.compile(r"^(ok|FAIL) +(.+?) +\d+\.\d\ds  (.*)$")


def test_make_smoke_passes_every_step_against_the_local_stack(local_stack):
    # When
    done = subprocess.run(
        ["make", "--no-print-directory", "smoke", f"URL={local_stack.base_url}", f"TOKEN={TOKEN}"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    # Then one line per step, in order, each ok, and the messages ended where they should
    lines = [LINE.match(line) for line in done.stdout.splitlines() if LINE.match(line)]
    assert done.returncode == 0, done.stdout + done.stderr
    assert [(m[1], m[2]) for m in lines if m] == [("ok", step) for step in STEPS]
    details = {m[2]: m[3] for m in lines if m}
    assert details["async final state"].endswith("UNMATCHED (submission 1)")
    assert details["resubmit"].endswith("UNMATCHED (submission 2)")
    assert details["dry run"].endswith("SUCCESS")
