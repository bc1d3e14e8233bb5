"""`webhooks send`: post to the webhook endpoint, signed the way GitHub signs."""

from __future__ import annotations

import hashlib
import hmac

from tests.integration.cli.fake_api import FakeAdminApi, Reply
from tests.integration.cli.harness import Run

BODY = '{"ref": "refs/heads/main"}'


def test_github_secret_signs_the_exact_body(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.route("POST", "/webhooks/git/push", lambda _: Reply(202, {"message_id": "m1"}))

    # When
    result = run("send", "git/push", "--body", BODY, "--github-secret", "shh")

    # Then
    assert result.code == 0
    assert result.out == 'HTTP 202 Accepted\n{\n  "message_id": "m1"\n}\n'
    sent = api.sent("POST", "/webhooks/git/push")[0]
    expected = hmac.new(b"shh", BODY.encode(), hashlib.sha256).hexdigest()
    assert sent.body == BODY.encode()
    assert sent.headers["x-hub-signature-256"] == f"sha256={expected}"
    assert sent.headers["x-github-event"] == "push"
    assert sent.headers["content-type"] == "application/json"
    assert "authorization" not in sent.headers  # the admin token stays with the admin API


def test_given_headers_win_over_defaults(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.route("POST", "/webhooks/git/push", lambda _: Reply(202, {"message_id": "m1"}))

    # When
    run(
        "send", "git/push?projectId=1", "--body", "x=1", "--github-secret", "shh",
        "--header", "x-github-event: ping", "--header", "Content-Type: application/x-www-form-urlencoded",
    )  # fmt: skip

    # Then
    sent = api.sent("POST", "/webhooks/git/push")[0]
    assert sent.query == {"projectId": "1"}
    assert sent.headers["x-github-event"] == "ping"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


def test_sync_404_exits_3(api: FakeAdminApi, run: Run) -> None:
    # Given
    answer = {"message_id": "m1", "status": "UNMATCHED"}
    api.route("POST", "/webhooks/nothing", lambda _: Reply(404, answer))

    # When
    result = run("--json", "send", "nothing", "--sync")

    # Then
    assert result.code == 3
    assert result.out == '{\n  "message_id": "m1",\n  "status": "UNMATCHED"\n}\n'
    assert api.sent("POST", "/webhooks/nothing")[0].headers["flex-sync-webhook"] == "true"
