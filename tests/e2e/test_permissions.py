"""A role that lacks one action the code calls fails as it would on AWS: the local stack's
functions sign with their roles and moto checks each call (docs/security.md, "Permissions
proven"). The rest of the proof is every other e2e test, run that way, and the report of the
grants no call used (make permissions)."""

from __future__ import annotations

import copy
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import TOKEN
from webhooks_local.child import STATE_FILE, serving
from webhooks_local.stack import LocalStack
from webhooks_testbed import grants
from webhooks_testbed import template as cfn

pytestmark = pytest.mark.e2e

SWEEPER = "SweeperFunctionRole"
SWEEP_WAIT = 60.0  # seconds for two sweeps on a busy machine (a failure shows the log)


def without(role: str, action: str) -> dict[str, Any]:
    """template.yaml with `action` taken out of every statement of the role's inline policy."""
    template = copy.deepcopy(cfn.load_template())
    [policy] = template["Resources"][role]["Properties"]["Policies"]
    for statement in policy["PolicyDocument"]["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = [a for a in actions if a != action] or ["dynamodb:DescribeTable"]
    return template


def post(port: int, path: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=b'{"ref": "x"}', method="POST",
        headers={"content-type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_role_without_an_action_its_code_calls_fails_the_call_and_the_proof(tmp_path: Path):
    # Given the ingest function's role without dynamodb:PutItem (storing a message)
    log = tmp_path / "run.json"
    roles_template = without("IngestFunctionRole", "dynamodb:PutItem")

    # When a webhook arrives
    with LocalStack(
        port=0, admin_token="t", quiet=True, call_log=log, roles_template=roles_template
    ) as stack:
        stack.serve()
        status = post(stack.port, "/webhooks/anything")

    # Then the sender sees the failure, and the report the refusal
    assert status >= 500
    run = json.loads(log.read_text(encoding="utf-8"))
    report = grants.report([run], {})
    refused = {(call.role, call.action) for call in report.refused}
    assert refused == {("IngestFunctionRole", "dynamodb:PutItem")}
    assert report.failed


def test_the_sweeper_sweeps_with_its_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Given a local stack whose sweeper runs every second, recording where the session does
    log_directory = Path(os.environ.get("WEBHOOKS_CALL_LOG") or tmp_path / "runs")
    monkeypatch.setenv("WEBHOOKS_CALL_LOG", str(log_directory))
    monkeypatch.setenv("LOCAL_SCHEDULE_SECONDS", "1")

    # When it has swept a few times
    with serving(tmp_path, TOKEN) as port:
        pid = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))["pid"]
        log = tmp_path / "serve.log"
        deadline = time.monotonic() + SWEEP_WAIT
        while log.read_text(errors="replace").count('"sweep done"') < 2:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        assert port

    # Then each of its calls was allowed: its mark, the arrivals since, the watched ones
    run = json.loads((log_directory / f"{pid}.json").read_text(encoding="utf-8"))
    made = {(c.action, c.allowed) for c in grants.calls(run["checks"]) if c.role == SWEEPER}
    assert {
        ("dynamodb:GetItem", True),
        ("dynamodb:PutItem", True),
        ("dynamodb:Query", True),
    } <= made
    assert all(allowed for _, allowed in made)
