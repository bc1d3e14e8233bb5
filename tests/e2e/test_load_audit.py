"""The load audit of `make bench`, small: mixed webhooks through the local stack, every
acknowledged message stored, final, with the right status, each function run once."""

from __future__ import annotations

import time

import pytest

from webhooks_bench.audit import KINDS, check, send_mixed, write_config
from webhooks_bench.load import local_stack

pytestmark = pytest.mark.e2e
COUNT = 48
TOKEN = "audit-token"


def test_mixed_webhooks_end_final_right_and_run_once(tmp_path):
    # Given a local stack with the audit's configuration
    deadline = time.monotonic() + 240
    with local_stack(tmp_path, TOKEN, write_config(tmp_path), deadline) as stack:
        # When the four kinds are sent interleaved over four connections, then audited
        audit = check(stack, TOKEN, send_mixed(stack.port, COUNT, 4, deadline), deadline)

    # Then every request was acknowledged as its kind expects, and every record is right
    figures = audit.figures()
    assert figures["by_kind"] == {kind.name: COUNT // len(KINDS) for kind in KINDS}
    assert (figures["acknowledged"], figures["wrong_answers"], figures["connection_errors"]) == (
        COUNT,
        0,
        0,
    )
    assert figures["first_problems"] == []
    assert figures["final_and_right"] == COUNT
