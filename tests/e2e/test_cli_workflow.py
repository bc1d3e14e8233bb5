"""The operator's loop from the CLI alone, against the running local stack: load a config,
send webhooks, find the failed ones, fix the script, resubmit them, watch them succeed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import TOKEN
from webhooks_cli.main import main

pytestmark = pytest.mark.e2e

CONFIG = """
providers:
  - name: Shop
    match_script: return headers.get("x-shop-topic") == "orders/create"
    functions:
      - name: orders
        uri: shop/orders
        script: |
          if payload["total"] < 0:
              raise ValueError("negative total " + str(payload["total"]))
          log.set_message("order of " + str(payload["total"]))
"""
FIX = 'log.set_message("order of " + str(payload["total"]))'


@pytest.fixture
def webhooks(local_stack, monkeypatch, capsys):
    """Run `webhooks ARGS...` in-process against the stack; returns (exit code, stdout)."""
    monkeypatch.setenv("WEBHOOKS_URL", local_stack.base_url)
    monkeypatch.setenv("WEBHOOKS_ADMIN_TOKEN", TOKEN)

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


def listed(webhooks, *filters: str) -> list[dict[str, Any]]:
    code, out = webhooks("--json", "messages", "list", "--provider", "Shop", *filters)
    assert code == 0
    items: list[dict[str, Any]] = json.loads(out)["items"]
    return items


def wait_for(webhooks, count: int, *filters: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 90  # generous: a loaded 2-core machine is slow
    while len(items := listed(webhooks, *filters)) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(items)} messages matched {filters}, expected {count}")
        time.sleep(0.3)
    return items


def test_fix_and_resubmit_failed_messages_from_the_cli(webhooks, tmp_path: Path):
    # Given the configuration loaded from a file, and three orders sent (two bad)
    config = tmp_path / "shop.yaml"
    config.write_text(CONFIG)
    assert webhooks("apply", "-f", str(config))[0] == 0
    for total in (-5, 20, -1):
        code, _ = webhooks(
            "send", "shop/orders", "--header", "X-Shop-Topic: orders/create",
            "--body", json.dumps({"total": total}),
        )  # fmt: skip
        assert code == 0
    failed = wait_for(webhooks, 2, "--status", "FAILED")

    # When the script is fixed and every failed message is resubmitted
    assert webhooks("functions", "edit", "Shop/orders", "--script", FIX)[0] == 0
    code, out = webhooks("messages", "resubmit", "--status", "FAILED", "--provider", "Shop")

    # Then all three succeed, and the failed ones keep both submissions' executions
    succeeded = wait_for(webhooks, 3, "--status", "SUCCESS")
    _, shown = webhooks("--json", "messages", "show", failed[0]["id"])
    detail = json.loads(shown)
    assert (code, out.splitlines()[0]) == (0, "resubmitted 2 messages")
    assert {m["message"] for m in succeeded} == {"order of -5", "order of 20", "order of -1"}
    assert [(e["submission"], e["status"], e["script_version"]) for e in detail["executions"]] == [
        (1, "FAILED", 1),
        (2, "SUCCESS", 2),
    ]
    assert listed(webhooks, "--status", "FAILED") == []
