"""The audit trail's fake against its DynamoDB adapter on moto, and the IAM role tags: the
same scenarios, the same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.fakes import FakeAuditLog
from tests.integration.test_port_contracts import KINDS, fake_or_adapter
from webhook_engine import wiring
from webhook_engine.domain.audit import Actor, AuditEntry, AuditFilter
from webhooks_testbed import template as cfn

START = datetime(2026, 12, 1, tzinfo=UTC)
ANN = Actor(principal="s-ann", kind="jwt", role="editor", email="ann@example.com")
BOB = Actor(principal="arn:aws:iam::123456789012:user/bob", kind="iam", role="operator")


@pytest.fixture(params=KINDS)
def audit(request):
    return fake_or_adapter(request, FakeAuditLog, wiring.audit_log)


def _entries() -> list[AuditEntry]:
    """Six writes a minute apart: Ann's on provider p-1, Bob's on message m-1, in turn."""
    return [
        AuditEntry(
            id=f"e{n}",
            at=START + timedelta(minutes=n),
            actor=ANN if n % 2 == 0 else BOB,
            action="provider.patch" if n % 2 == 0 else "message.resubmit",
            object="provider:p-1" if n % 2 == 0 else "message:m-1",
            version=n + 1 if n % 2 == 0 else None,
            submission=n + 1 if n % 2 else None,
        )
        for n in range(6)
    ]


def _ids(audit, filters: AuditFilter, limit: int = 50) -> list[str]:
    found, cursor = [], None
    while True:
        page = audit.query(filters, limit, cursor)
        found += [entry.id for entry in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditFilter(), ["e5", "e4", "e3", "e2", "e1", "e0"]),
        (AuditFilter(object="provider:p-1"), ["e4", "e2", "e0"]),
        (AuditFilter(actor=BOB.principal), ["e5", "e3", "e1"]),
        (AuditFilter(object="provider:p-1", actor=BOB.principal), []),
        (AuditFilter(since=START + timedelta(minutes=2)), ["e5", "e4", "e3", "e2"]),
        (AuditFilter(until=START + timedelta(minutes=1)), ["e1", "e0"]),
        (
            AuditFilter(
                actor=ANN.principal,
                since=START + timedelta(minutes=1),
                until=START + timedelta(minutes=4),
            ),
            ["e4", "e2"],
        ),
    ],
    ids=["all", "object", "actor", "object-and-actor", "since", "until", "actor-in-window"],
)
@pytest.mark.parametrize("page", [1, 50])
def test_the_trail_is_read_newest_first_by_filter_across_pages(audit, filters, expected, page):
    # Given
    audit.record_many(_entries())

    # When
    found = _ids(audit, filters, page)

    # Then
    assert found == expected


def test_an_entry_reads_back_whole(audit):
    # Given
    [entry, *_] = _entries()
    audit.record_many([entry])

    # When
    [read] = audit.query(AuditFilter(object=entry.object), 10).items

    # Then
    assert read == entry


@pytest.mark.parametrize("cursor", ["00", "ff" * 128, "efbfbd", "7e" * 128, "ee8080"])
def test_any_cursor_of_the_form_is_a_bound_not_an_error(audit, cursor):
    # Given
    audit.record_many(_entries())

    # When / Then (forged, or of another query: a page all the same)
    for filters in (AuditFilter(), AuditFilter(object="provider:p-1"), AuditFilter(actor="x")):
        page = audit.query(filters, 10, cursor)
        assert {e.id for e in page.items} <= {e.id for e in _entries()}


def test_a_window_that_ends_before_it_starts_holds_nothing(audit):
    # Given
    audit.record_many(_entries())

    # When
    page = audit.query(AuditFilter(since=START + timedelta(hours=1), until=START), 10)

    # Then
    assert page.items == []


def test_an_entry_expires_after_the_retention(stack):
    # Given
    [entry, *_] = _entries()
    wiring.audit_log().record_many([entry])
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(
        stack.environments["AdminFunction"]["AUDIT_TABLE"]
    )

    # When
    [item] = table.scan()["Items"]

    # Then
    assert int(item["expires_at"]) == int((entry.at + timedelta(days=400)).timestamp())


@pytest.mark.parametrize(
    ("arn", "role"),
    [
        (f"arn:aws:iam::{cfn.ACCOUNT_ID}:user/{cfn.LOCAL_USER}", "editor"),
        (f"arn:aws:iam::{cfn.ACCOUNT_ID}:user/untagged", None),
        (f"arn:aws:iam::{cfn.ACCOUNT_ID}:user/nobody-here", None),
        (f"arn:aws:sts::{cfn.ACCOUNT_ID}:assumed-role/ci-operator/run-1", "operator"),
        ("arn:aws:sts::999999999999:assumed-role/ci-operator/run-1", None),  # another account
        (f"arn:aws:iam::{cfn.ACCOUNT_ID}:root", None),
        (f"arn:aws:sts::{cfn.ACCOUNT_ID}:federated-user/ops", None),
    ],
)
def test_an_iam_callers_role_is_its_tag(stack, arn, role):
    # Given a tagged role, and a user without tags
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="untagged")
    iam.create_role(
        RoleName="ci-operator",
        AssumeRolePolicyDocument="{}",
        Tags=[{"Key": "webhooks-role", "Value": "operator"}],
    )

    # When
    found = wiring.principal_roles().role_tag(arn)

    # Then
    assert found == role
