"""`webhooks dead-letters` (the count) and its records: `list`, `show`, `redrive`, `discard`."""

from __future__ import annotations

import json

from tests.integration.cli import samples
from tests.integration.cli.fake_api import FakeAdminApi
from tests.integration.cli.harness import Run

RECORDS = "/dead-letters/messages"
HEADERS = ["SENT", "RECORD", "MESSAGE", "SUB", "RECEIVES", "STATUS", "URI", "REASON"]


def test_dead_letters_alone_still_prints_the_count_and_takes_global_options(
    api: FakeAdminApi, run: Run
) -> None:
    # Given
    api.admin("GET", "/dead-letters", {"approximate_count": 1})

    # When
    text = run("dead-letters")
    as_json = run("dead-letters", "--json")

    # Then
    assert (text.code, text.out) == (0, "1 message in the dead-letter queue (approx.)\n")
    assert (as_json.code, json.loads(as_json.out)) == (0, {"approximate_count": 1})
    assert api.sent("GET", RECORDS) == []


def test_list_prints_a_table_and_says_when_there_are_more(api: FakeAdminApi, run: Run) -> None:
    # Given two records, one naming a message no longer stored, of about five in the queue
    gone = samples.dead_letter("r-2", "m-gone", message=None)
    page = {"items": [samples.dead_letter("r-1"), gone], "approximate_count": 5}
    api.admin("GET", RECORDS, page)

    # When
    result = run("dead-letters", "list", "--limit", "2")

    # Then
    lines = result.out.splitlines()
    assert result.code == 0
    assert lines[0].split() == HEADERS
    assert lines[1].split()[2:] == [
        "r-1",
        "m1",
        "1",
        "6",
        "DEAD",
        "git/push",
        "ThrottlingException:",
        "Rate",
        "exceeded",
    ]
    assert lines[2].split()[2:] == ["r-2", "m-gone", "1", "6", "-", "-", "-"]
    assert result.err == "2 of about 5 records shown (--limit up to 100)\n"
    assert api.sent("GET", RECORDS)[0].query == {"limit": "2"}


def test_list_json_is_the_api_page(api: FakeAdminApi, run: Run) -> None:
    # Given
    page = {"items": [samples.dead_letter("r-1")], "approximate_count": 1}
    api.admin("GET", RECORDS, page)

    # When
    result = run("--json", "dead-letters", "list")

    # Then
    assert json.loads(result.out) == page
    assert result.err == ""
    assert api.sent("GET", RECORDS)[0].query == {}


def test_show_renders_the_record_its_stored_message_and_body(api: FakeAdminApi, run: Run) -> None:
    # Given
    record = samples.dead_letter("r-1", body='{"message_id": "m1", "submission": 1}')
    api.admin("GET", f"{RECORDS}/r-1", record)

    # When
    result = run("dead-letters", "show", "r-1")

    # Then
    out = result.out
    assert result.code == 0
    assert "Record:      r-1" in out
    assert "Submission:  1" in out
    assert "Receives:    6" in out
    assert "Stored message\n  Status:       DEAD" in out
    assert "  Reason:       ThrottlingException: Rate exceeded" in out
    assert out.endswith('Body\n  {\n    "message_id": "m1",\n    "submission": 1\n  }\n')


def test_show_a_record_whose_message_is_not_stored_and_body_is_not_json(
    api: FakeAdminApi, run: Run
) -> None:
    # Given
    record = samples.dead_letter("r-9", None, submission=None, message=None, body="not json")
    api.admin("GET", f"{RECORDS}/r-9", record)

    # When
    result = run("dead-letters", "show", "r-9")

    # Then
    assert "Message:     -" in result.out
    assert "Stored message\n  not stored" in result.out
    assert result.out.endswith("Body\n  not json\n")


def test_redrive_one_record(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("POST", f"{RECORDS}/r-1/redrive", samples.dead_letter("r-1"), 202)

    # When
    result = run("dead-letters", "redrive", "r-1")

    # Then
    assert result.code == 0
    assert result.out == "sent record r-1 back to the queue (message m1, submission 1)\n"
    assert len(api.sent("POST", f"{RECORDS}/r-1/redrive")) == 1
    assert api.sent("POST", "/dead-letters/redrive") == []


def test_discard_one_record(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("DELETE", f"{RECORDS}/r-1", None, 204)

    # When
    text = run("dead-letters", "discard", "r-1")
    as_json = run("--json", "dead-letters", "discard", "r-1")

    # Then
    assert (text.code, text.out) == (0, "discarded record r-1; its message stays stored\n")
    assert (as_json.code, as_json.out) == (0, "")
    assert len(api.sent("DELETE", f"{RECORDS}/r-1")) == 2


def test_an_unknown_record_exits_3_with_the_api_message(api: FakeAdminApi, run: Run) -> None:
    # Given
    error = {"code": "not_found", "message": "no record r/9 in the dead-letter queue"}
    api.admin("DELETE", f"{RECORDS}/r%2F9", {"error": error}, 404)

    # When
    result = run("dead-letters", "discard", "r/9")

    # Then the id travelled as one path segment
    assert result.code == 3
    assert "no record r/9 in the dead-letter queue" in result.err
    assert len(api.sent("DELETE", f"{RECORDS}/r%2F9")) == 1


def test_an_unknown_dead_letters_command_is_a_usage_error(api: FakeAdminApi, run: Run) -> None:
    # When
    result = run("dead-letters", "purge")

    # Then
    assert result.code == 2
    assert "invalid choice: 'purge'" in result.err
    assert api.requests == []
