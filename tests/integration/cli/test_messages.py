"""`webhooks messages ...`, `dead-letters` and `redrive`."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

from tests.integration.cli import samples
from tests.integration.cli.fake_api import FakeAdminApi, Recorded, Reply
from tests.integration.cli.harness import TOKEN, Run
from webhooks_cli.errors import BROKEN_PIPE

HEADERS = ["RECEIVED", "ID", "STATUS", "PROVIDER", "URI", "MESSAGE", "REASON"]


def _paged(request: Recorded) -> Reply:
    """Three pages of one message each, chained by cursors."""
    pages = {
        None: ({"items": [samples.message("m3")], "next_cursor": "c2"}),
        "c2": ({"items": [samples.message("m2")], "next_cursor": "c1"}),
        "c1": ({"items": [samples.message("m1", "FAILED")], "next_cursor": None}),
    }
    return Reply(200, pages[request.query.get("cursor")])


def test_list_prints_a_table_and_points_to_the_next_page(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.route("GET", "/admin/v1/messages", _paged)

    # When
    result = run("messages", "list", "--status", "failed", "--since", "1h", "--limit", "1")

    # Then
    lines = result.out.splitlines()
    assert lines[0].split() == HEADERS
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", lines[1][:19])
    assert lines[1][19:].split() == [
        "m3",
        "SUCCESS",
        "GitHub",
        "git/push",
        "push",
        "to",
        "main",
        "-",
    ]
    assert len(lines) == 2
    assert result.err == "more: --cursor c2, or --all\n"
    query = api.sent("GET", "/messages")[0].query
    assert query == {"status": "FAILED", "since": "1h", "limit": "1"}


def test_list_reads_on_when_filtered_pages_come_back_short(api: FakeAdminApi, run: Run) -> None:
    # Given pages of one message each (a filter that few messages match)
    api.route("GET", "/admin/v1/messages", _paged)

    # When two are asked for
    result = run("--json", "messages", "list", "--limit", "2")

    # Then two pages were read, the second asked for the one missing, and the cursor goes on
    assert json.loads(result.out) == {
        "items": [samples.message("m3"), samples.message("m2")],
        "next_cursor": "c1",
    }
    sent = api.sent("GET", "/messages")
    assert [(r.query.get("cursor"), r.query["limit"]) for r in sent] == [(None, "2"), ("c2", "1")]


def test_list_all_follows_the_cursors(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.route("GET", "/admin/v1/messages", _paged)

    # When
    result = run("--json", "messages", "list", "--all")

    # Then
    assert [m["id"] for m in json.loads(result.out)["items"]] == ["m3", "m2", "m1"]
    sent = api.sent("GET", "/messages")
    assert [r.query.get("cursor") for r in sent] == [None, "c2", "c1"]
    assert {r.query["limit"] for r in sent} == {"200"}


def test_show_renders_body_executions_and_logs(api: FakeAdminApi, run: Run) -> None:
    # Given
    failed = samples.execution(
        "deploy", "FAILED", error="KeyError: 'x'", error_line=3, logs=[samples.log("starting")]
    )
    message = samples.message(
        "m1",
        "FAILED",
        query={},
        query_string="",
        headers={"content-type": "application/json"},
        body='{"ref":"main"}',
        body_encoding="text",
        body_size=14,
        submissions=[],
        evaluations=[samples.evaluation("GitHub", True)],
        executions=[failed],
    )
    api.admin("GET", "/messages/m1", message)

    # When
    result = run("messages", "show", "m1")

    # Then
    assert result.code == 0
    assert 'Body (14 bytes)\n  {\n    "ref": "main"\n  }' in result.out
    assert "  ✓ GitHub  matched" in result.out
    assert (
        "  FAILED  deploy  #1  12.5 ms  script v2\n      error: KeyError: 'x' (line 3)"
        in result.out
    )
    assert re.search(r"\n      \d\d:\d\d:\d\d INFO    starting", result.out)


def test_show_unknown_message_exits_3(api: FakeAdminApi, run: Run) -> None:
    # When
    result = run("messages", "show", "nope")

    # Then
    assert result.code == 3


def test_body_is_written_byte_for_byte(api: FakeAdminApi, run: Run, tmp_path) -> None:
    # Given a binary body served inline
    data = bytes(range(256))
    api.route(
        "GET", "/admin/v1/messages/m1/body", lambda _: Reply(200, data, "application/octet-stream")
    )

    # When it is saved to a file
    result = run("messages", "body", "m1", "--output", str(tmp_path / "body"))

    # Then the file holds exactly the bytes
    assert result.code == 0
    assert (tmp_path / "body").read_bytes() == data


def test_body_follows_a_presigned_link_without_credentials(
    api: FakeAdminApi, run: Run, tmp_path
) -> None:
    # Given a large body behind a redirect to a presigned link
    link = f"{api.url}/payloads/m1?X-Amz-Signature=abc"
    api.route("GET", "/admin/v1/messages/m1/body", lambda _: Reply(307, b"", location=link))
    api.route("GET", "/payloads/m1", lambda _: Reply(200, b"big body", "application/json"))

    # When
    result = run("messages", "body", "m1", "-o", str(tmp_path / "body"))

    # Then the link was fetched without the admin API's credentials
    (fetched,) = [r for r in api.requests if r.path == "/payloads/m1"]
    assert result.code == 0
    assert (tmp_path / "body").read_bytes() == b"big body"
    assert "authorization" not in fetched.headers


def test_resubmit_by_ids(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("POST", "/messages/resubmit", {"count": 2, "message_ids": ["m1", "m2"]}, 202)

    # When
    result = run("messages", "resubmit", "m1", "m2")

    # Then
    assert result.out == "resubmitted 2 messages\nm1\nm2\n"
    assert api.sent("POST", "/messages/resubmit")[0].json() == {"ids": ["m1", "m2"]}


def test_resubmit_by_filter(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("POST", "/messages/resubmit", {"count": 1, "message_ids": ["m1"]}, 202)

    # When
    result = run("messages", "resubmit", "--status", "FAILED", "--since", "1h", "--limit", "5")

    # Then
    assert result.code == 0
    assert api.sent("POST", "/messages/resubmit")[0].json() == {
        "filter": {"status": "FAILED", "since": "1h"},
        "limit": 5,
    }


def test_resubmit_sends_what_remains_until_done(api: FakeAdminApi, run: Run) -> None:
    # Given an API that reaches one message per call
    def one_at_a_time(request):
        first, *rest = request.json()["ids"]
        return Reply(202, {"count": 1, "message_ids": [first], "remaining": rest})

    api.route("POST", "/admin/v1/messages/resubmit", one_at_a_time)

    # When three are resubmitted
    result = run("messages", "resubmit", "m1", "m2", "m3")

    # Then the CLI sent the remainder until none was left, and lists all three
    assert result.code == 0
    assert result.out == "resubmitted 3 messages\nm1\nm2\nm3\n"
    assert [r.json()["ids"] for r in api.sent("POST", "/messages/resubmit")] == [
        ["m1", "m2", "m3"],
        ["m2", "m3"],
        ["m3"],
    ]


def test_resubmit_reports_what_was_not_reached_and_why(api: FakeAdminApi, run: Run) -> None:
    # Given an API that stopped after one message on an error
    answer = {"count": 1, "message_ids": ["m1"], "remaining": ["m2"], "error": "SQS is down"}
    api.admin("POST", "/messages/resubmit", answer, 202)

    # When
    result = run("messages", "resubmit", "m1", "m2")

    # Then it does not retry blindly, says what is left, and exits 1
    assert result.code == 1
    assert result.out == "resubmitted 1 message\nm1\nnot resubmitted 1 message: SQS is down\nm2\n"
    assert len(api.sent("POST", "/messages/resubmit")) == 1


def test_resubmit_needs_ids_or_a_filter(api: FakeAdminApi, run: Run) -> None:
    # When
    result = run("messages", "resubmit")

    # Then
    assert result.code == 2
    assert api.requests == []


def test_dead_letters_and_redrive(api: FakeAdminApi, run: Run) -> None:
    # Given
    api.admin("GET", "/dead-letters", {"approximate_count": 3})
    redriven = {"method": "fallback", "moved": 3, "task_handle": None}
    api.admin("POST", "/dead-letters/redrive", redriven, 202)

    # When
    count = run("dead-letters")
    redrive = run("redrive")

    # Then
    assert count.out == "3 messages in the dead-letter queue (approx.)\n"
    assert redrive.out == "moved 3 messages back to the queue (fallback)\n"


def test_list_accepts_every_status_the_api_filters_by(api: FakeAdminApi, run: Run) -> None:
    # Given an API that lists duplicates
    api.route("GET", "/admin/v1/messages", lambda _: Reply(200, {"items": [], "next_cursor": None}))

    # When they are asked for
    result = run("messages", "list", "--status", "duplicate")

    # Then the filter reaches the API
    assert (result.code, result.err) == (0, "")
    assert api.sent("GET", "/messages")[0].query["status"] == "DUPLICATE"


def test_a_reader_that_stops_early_ends_the_listing_quietly(api: FakeAdminApi) -> None:
    # Given more messages than a pipe holds
    page = {"items": [samples.message(f"m{n}") for n in range(2_000)], "next_cursor": None}
    api.route("GET", "/admin/v1/messages", lambda _: Reply(200, page))
    command = f"{shlex.quote(sys.executable)} -m webhooks_cli messages list --limit 200 | head -1"

    # When the listing is piped to a reader that leaves after one line
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "WEBHOOKS_URL": api.url, "WEBHOOKS_ADMIN_TOKEN": TOKEN},
    )

    # Then the reader got its line, and the CLI left no traceback, with SIGPIPE's exit code
    assert done.stdout.split() == HEADERS
    assert done.stderr == ""
    assert done.returncode == BROKEN_PIPE


def test_list_shows_why_a_message_failed_or_matched_nothing(api: FakeAdminApi, run: Run) -> None:
    # Given a FAILED and an UNMATCHED message with their reasons
    failed = samples.message("m2", "FAILED", reason="failed: log: KeyError: 'ref' (line 3)")
    why = "no provider matched: GitHub: verify.github: x-hub-signature-256 missing"
    unmatched = samples.message("m1", "UNMATCHED", provider=None, message=None, reason=why)
    page = {"items": [failed, unmatched], "next_cursor": None}
    api.route("GET", "/admin/v1/messages", lambda _: Reply(200, page))

    # When
    result = run("messages", "list")

    # Then each row ends with its reason, whole
    lines = result.out.splitlines()
    assert lines[1].endswith("push to main  failed: log: KeyError: 'ref' (line 3)")
    assert lines[2].endswith(why)
