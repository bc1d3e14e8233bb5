"""Where the CLI connects, how it authenticates, and the exit codes of failures."""

from __future__ import annotations

import socket
from datetime import datetime
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.cli.fake_api import FakeAdminApi, Recorded
from tests.integration.cli.harness import TOKEN, Run
from webhooks_cli import endpoints


def test_sends_the_bearer_token_and_prints_health(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/health", {"status": "ok"})

    # When
    result = run("health")

    # Then
    assert result.code == 0
    assert result.out.startswith("ok (")
    assert api.sent("GET", "/health")[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("sandbox", "line"),
    [
        (
            {"protections": {"rlimits": True, "seccomp": False}, "required": ["rlimits"],
             "missing": []},
            "script processes: rlimits; without seccomp",
        ),
        (
            {"protections": {"rlimits": True, "seccomp": False}, "required": ["seccomp"],
             "missing": ["seccomp"]},
            "script processes: rlimits; without seccomp (required)",
        ),
        (
            {"protections": {}, "required": ["rlimits"], "missing": ["rlimits"],
             "error": "script processes cannot start: no libpython"},
            "scripts cannot run: script processes cannot start: no libpython",
        ),
    ],
    ids=["reported", "required", "cannot start"],
)  # fmt: skip
def test_health_says_what_protects_scripts(api: FakeAdminApi, run: Run, sandbox, line) -> None:
    # Given a deployment whose script processes take some protections
    api.admin("GET", "/health", {"status": "degraded", "sandbox": sandbox})

    # When
    result = run("health")

    # Then the second line says which held, and which are missing (and required)
    assert result.out.splitlines()[1] == line


@pytest.mark.parametrize("suffix", ["", "/", "/admin/v1", "/admin/v1/", "/webhooks/"])
def test_accepts_the_base_admin_or_webhook_url(api: FakeAdminApi, run: Run, suffix: str) -> None:
    # Given
    api.admin("GET", "/health", {"status": "ok"})

    # When
    result = run("--url", api.url + suffix, "health")

    # Then
    assert result.code == 0
    assert len(api.sent("GET", "/health")) == 1


def test_global_options_are_accepted_after_the_command(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/health", {"status": "ok"})

    # When
    result = run("health", "--json")

    # Then
    assert result.out == '{\n  "status": "ok"\n}\n'


@pytest.mark.parametrize(
    ("status", "code"), [(400, 1), (401, 6), (403, 6), (404, 3), (409, 4), (500, 1)]
)
def test_api_errors_map_to_exit_codes(api: FakeAdminApi, run: Run, status: int, code: int) -> None:
    # Given
    api.admin("GET", "/health", {"error": {"code": "x", "message": "it went wrong"}}, status)

    # When
    result = run("health")

    # Then
    assert result.code == code
    assert result.err == "error: it went wrong\n"
    assert result.out == ""


def test_no_url_configured_exits_5(run: Run) -> None:
    # When
    result = run("health")

    # Then
    assert result.code == 5
    assert "no URL" in result.err


def test_connection_refused_exits_5(run: Run) -> None:
    # Given a port that nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    # When
    result = run("--url", f"http://127.0.0.1:{port}", "health")

    # Then
    assert result.code == 5
    assert result.err.startswith(
        f"error: cannot connect to http://127.0.0.1:{port}/admin/v1/health"
    )


def test_usage_errors_exit_2(run: Run) -> None:
    # When
    result = run("providers", "create", "--name", "X")

    # Then
    assert result.code == 2
    assert "--match-script" in result.err


def _deployed(api: FakeAdminApi, monkeypatch: pytest.MonkeyPatch) -> mock.MagicMock:
    outputs = {"AdminUrl": f"{api.url}/admin/v1", "WebhookUrl": f"{api.url}/webhooks/"}
    lookup = mock.MagicMock(return_value=outputs)
    monkeypatch.setattr(endpoints, "stack_outputs", lookup)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-key")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return lookup


def test_stack_name_signs_requests_with_sigv4(
    api: FakeAdminApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployed stack whose admin URL is the fake (a local token is set, but unused)
    lookup = _deployed(api, monkeypatch)
    api.admin("GET", "/messages", {"items": [], "next_cursor": None})

    # When
    result = run(
        "--stack-name", "demo", "--region", "eu-west-1",
        "messages", "list", "--since", "2026-05-01T10:00:00+02:00", "--uri", "a b",
    )  # fmt: skip

    # Then the stack was looked up, and the request carries a valid signature
    assert result.code == 0, result.err
    assert lookup.call_args.args[1:] == ("demo", "eu-west-1")
    sent = api.sent("GET", "/messages")[0]
    authorization = sent.headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert "x-amz-date" in sent.headers
    assert authorization == _expected_signature(api, sent, "eu-west-1")


def _expected_signature(api: FakeAdminApi, sent: Recorded, region: str) -> str:
    """Sign what the server received, at the same time, from the decoded query as AWS does."""
    signed = sent.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(
        method=sent.method,
        url=api.url + sent.path,
        params=sent.query,
        headers={name: sent.headers[name] for name in signed if name != "host"},
        data=sent.body,
    )
    moment = datetime.strptime(sent.headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        SigV4Auth(Credentials("AKIDTEST", "secret-key"), "execute-api", region).add_auth(request)
    return str(request.headers["Authorization"])


def test_stack_name_without_credentials_exits_6(
    api: FakeAdminApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    _deployed(api, monkeypatch)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    # When
    result = run("--stack-name", "demo", "--region", "eu-west-1", "health")

    # Then
    assert result.code == 6
    assert "no AWS credentials" in result.err
    assert api.requests == []


def test_region_is_read_from_an_execute_api_url() -> None:
    # When
    region = endpoints.region_of("https://abc123.execute-api.ap-south-1.amazonaws.com/admin/v1")

    # Then
    assert region == "ap-south-1"
