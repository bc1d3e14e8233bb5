"""The admin resolver's own answers on fakes: health, and errors in one shape."""

from __future__ import annotations

import pytest

from tests.unit.admin.conftest import Admin
from webhook_engine.sandbox.supervisor import SandboxUnavailableError


def test_health_is_ok_when_every_required_protection_held(admin: Admin):
    # Given script processes that took every protection the deployment requires
    admin.sandbox.protections_held = {"rlimits": True, "audit_hook": True, "seccomp": False}

    # When
    status, body = admin.call("GET", "/health")

    # Then the protection that is not required is reported, not missed
    assert status == 200
    assert body["status"] == "ok"
    assert body["sandbox"]["missing"] == []
    assert body["sandbox"]["protections"]["seccomp"] is False


def test_health_is_degraded_naming_a_required_protection_that_did_not_hold(admin: Admin):
    # Given a kernel that refused the audit hook
    admin.sandbox.protections_held = {"rlimits": True, "audit_hook": False}

    # When
    status, body = admin.call("GET", "/health")

    # Then
    assert (status, body["status"], body["sandbox"]["missing"]) == (200, "degraded", ["audit_hook"])


def test_health_is_degraded_with_the_reason_when_no_script_process_starts(admin: Admin):
    # Given a sandbox whose processes cannot start
    admin.sandbox.down = SandboxUnavailableError("the zygote did not start")

    # When
    status, body = admin.call("GET", "/health")

    # Then every required protection is missing, and the reason is told
    assert status == 200
    assert body["status"] == "degraded"
    assert body["sandbox"]["missing"] == sorted(admin.sandbox.required)
    assert "the zygote did not start" in body["sandbox"]["error"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nothing-here", 404, "not_found"),
        ("GET", "/providers/p-1", 404, "not_found"),  # the store's NotFoundError
        ("DELETE", "/messages", 405, "method_not_allowed"),
        ("POST", "/messages/resubmit", 400, "invalid_request"),  # no body
    ],
)
def test_every_error_has_one_shape(admin: Admin, method: str, path: str, status: int, code: str):
    # When
    answered, body = admin.call(method, path)

    # Then
    assert answered == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_a_method_a_path_does_not_take_is_answered_with_the_methods_it_takes(admin: Admin):
    # When
    response = admin.raw("DELETE", "/messages")

    # Then
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET"


def test_an_unexpected_failure_is_a_500_that_tells_nothing_of_it(admin: Admin, monkeypatch):
    # Given a store failing with a message that must not reach the caller
    def broken(*args: object) -> None:
        raise RuntimeError("connection string with a password")

    monkeypatch.setattr(admin.config, "list_providers", broken)

    # When
    status, body = admin.call("GET", "/providers")

    # Then
    assert status == 500
    assert body["error"]["code"] == "internal_error"
    assert "password" not in str(body)
