"""The audit trail on fakes: each write recorded with who, from where and what it made;
shown in GET /audit, in versions and in submissions."""

from __future__ import annotations

from tests.unit.admin.conftest import Admin
from tests.unit.builders import message
from webhook_engine.domain.models import Mode
from webhooks_testbed.authorizer import jwt_authorizer

EDITOR = {"sub": "s-ed", "email": "ed@example.com", "cognito:groups": ["editor"]}
OPERATOR = {"sub": "s-op", "email": "op@example.com", "cognito:groups": ["operator"]}


def test_a_change_is_recorded_with_its_author_and_shown_in_the_versions(admin: Admin):
    # Given an editor who creates a provider, then changes its script
    admin.authorizer = jwt_authorizer(EDITOR)
    _, created = admin.call("POST", "/providers", {"name": "P", "match_script": "return True"})
    admin.call("PATCH", f"/providers/{created['id']}", {"match_script": "return False"})

    # When
    _, versions = admin.call("GET", f"/providers/{created['id']}/versions")
    _, trail = admin.call("GET", "/audit", query=f"object=provider:{created['id']}")

    # Then
    assert [(v["version"], v["author"], v["author_email"]) for v in versions["items"]] == [
        (2, "s-ed", "ed@example.com"),
        (1, "s-ed", "ed@example.com"),
    ]
    assert [e["action"] for e in trail["items"]] == ["provider.patch", "provider.create"]
    first = trail["items"][-1]
    assert first["actor"] == {
        "principal": "s-ed",
        "kind": "jwt",
        "role": "editor",
        "email": "ed@example.com",
        "source_ip": "203.0.113.17",
    }
    assert first["version"] == 1


def test_a_resubmission_shows_who_made_it(admin: Admin):
    # Given a message an operator resubmits, once alone and once in bulk
    admin.messages.put_message(message("m-1"), Mode.ASYNC)
    admin.authorizer = jwt_authorizer(OPERATOR)
    admin.call("POST", "/messages/m-1/resubmit")
    admin.call("POST", "/messages/resubmit", {"ids": ["m-1"]})

    # When
    _, shown = admin.call("GET", "/messages/m-1/overview")

    # Then the sender's own submission has no author, each resubmission its operator
    authors = [(s["submission"], s["submitted_by"]) for s in shown["submissions"]]
    assert authors == [(1, None), (2, "s-op"), (3, "s-op")]


def test_reads_and_refused_writes_are_not_recorded(admin: Admin):
    # Given an operator who reads, and tries an editor's write
    admin.authorizer = jwt_authorizer(OPERATOR)
    admin.call("GET", "/messages")
    admin.call("POST", "/providers", {"name": "P", "match_script": "return True"})

    # Then
    assert admin.audit.entries == []


def test_the_trail_is_filtered_by_actor_and_paged(admin: Admin):
    # Given writes of two people
    admin.messages.put_message(message("m-1"), Mode.ASYNC)
    for claims in (OPERATOR, EDITOR, OPERATOR):
        admin.authorizer = jwt_authorizer(claims)
        admin.call("POST", "/messages/m-1/resubmit")

    # When the operator's are read one at a time
    _, first = admin.call("GET", "/audit", query="actor=s-op&limit=1")
    cursor = first["next_cursor"]
    _, second = admin.call("GET", "/audit", query=f"actor=s-op&limit=1&cursor={cursor}")

    # Then
    assert [e["submission"] for e in first["items"]] == [4]
    assert [e["submission"] for e in second["items"]] == [2]
    assert second["next_cursor"] is None


def test_a_write_is_answered_even_when_the_trail_cannot_be_written(admin: Admin, monkeypatch):
    # Given a trail that fails
    def broken(entries: object) -> None:
        raise RuntimeError("the table is gone")

    monkeypatch.setattr(admin.audit, "record_many", broken)
    admin.messages.put_message(message("m-1"), Mode.ASYNC)

    # When
    status, answer = admin.call("POST", "/messages/m-1/resubmit")

    # Then the resubmission stands (the entry went to the log instead)
    assert (status, answer["submission"]) == (202, 2)
