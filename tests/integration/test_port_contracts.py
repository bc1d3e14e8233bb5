"""The fakes of tests/fakes.py against the adapters on moto: the same scenarios, the same answers.

Unit tests trust the fakes to behave as the adapters do; these tests are what earns that trust.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.fakes import (
    FakeConfigStore,
    FakeDeadLetters,
    FakeMessageStore,
    FakeQueue,
    FakeSecretStore,
)
from tests.unit.builders import function, message, provider
from webhook_engine import wiring
from webhook_engine.domain.errors import InvalidRequestError, NotFoundError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Execution, ExecutionStatus, LogEntry, Mode, Status
from webhook_engine.domain.ports import (
    CURSOR_PATTERN,
    ClaimRefusal,
    MessageFilter,
    Outcome,
    each_message,
)
from webhooks_bench.list_costs import RARE_FILTERS

KINDS = ["fake", "adapter"]


def fake_or_adapter(request, fake, adapter):
    """The fake, or the adapter the wiring builds on a moto stack (the `stack` fixture)."""
    if request.param == "fake":
        return fake()
    request.getfixturevalue("stack")
    return adapter()


@pytest.fixture(params=KINDS)
def messages(request):
    return fake_or_adapter(request, FakeMessageStore, wiring.message_store)


@pytest.fixture(params=KINDS)
def config(request):
    return fake_or_adapter(request, FakeConfigStore, wiring.config_store)


@pytest.fixture(params=KINDS)
def secrets(request):
    return fake_or_adapter(request, FakeSecretStore, wiring.secret_store)


def recent(message_id: str | None = None, minutes_ago: float = 0, **fields):
    """A message received `minutes_ago` (listing only reaches back over the retention); its
    id, unless given, is the ULID of that moment, as ingest makes it."""
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    stored = message(message_id or new_id(int(moment.timestamp() * 1000)), **fields)
    return stored.model_copy(update={"received_at": moment})


def execution(name: str, submission: int, logs: list[LogEntry] | None = None) -> Execution:
    return Execution(
        function=name,
        function_id=f"f-{name}",
        status=ExecutionStatus.SUCCESS,
        submission=submission,
        started_at=datetime.now(UTC),
        duration_ms=1.0,
        logs=logs or [],
    )


def finish(messages, message_id: str, submission: int, status: Status, *names: str) -> None:
    claim = messages.claim_submission(message_id, submission, "owner", 60)
    assert claim.submission is not None
    claim.submission.status = status
    outcome = Outcome(status, "P", f"done {submission}", [execution(n, submission) for n in names])
    messages.finish_submission(claim.message, claim.submission, outcome, "owner")


# messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "in_payloads"),
    [(0, False), (10, False), (5_000, False), (300_000, True)],
    ids=["empty", "in the message item", "an item of its own", "payload store"],
)
def test_a_message_reads_back_whole(messages, size, in_payloads):
    # Given a binary body, small or over the inline limit
    body = (bytes(range(256)) * (size // 256 + 1))[:size]
    headers = {"content-type": "image/png"}

    # When
    messages.put_message(recent("m-1", body=body, headers=headers), Mode.SYNC)

    # Then the message reads back whole, also as its claim hands it back; its detail and
    # body say where the body is
    detail, stored = messages.get_detail("m-1"), messages.get_body("m-1")
    assert messages.get_message("m-1").body == body
    claimed = messages.claim_submission("m-1", 1, "owner", 60).message
    assert (claimed.body, claimed.headers) == (body, headers)
    assert (detail.message.status, detail.message.submission_count) == (Status.RECEIVED, 1)
    assert [(s.submission, s.mode, s.status) for s in detail.submissions] == [
        (1, Mode.SYNC, Status.RECEIVED)
    ]
    assert (detail.body_size, detail.body_in_payloads) == (size, in_payloads)
    assert detail.message.body == (b"" if in_payloads else body)
    assert (stored.size, stored.content_type) == (size, "image/png")
    assert (stored.data is None, stored.url is None) == (in_payloads, not in_payloads)
    assert stored.data in (None, body)


def test_a_live_lease_is_not_taken_over_and_a_finished_submission_not_claimed(messages):
    # Given a stored message
    messages.put_message(recent("m-1"), Mode.ASYNC)

    # When its submission is claimed, claimed again while leased, finished, then claimed
    first = messages.claim_submission("m-1", 1, "one", 60)
    busy = messages.claim_submission("m-1", 1, "two", 60)
    listed = messages.get_message("m-1").status
    assert first.submission is not None
    done = first.submission.model_copy(update={"status": Status.SUCCESS})
    messages.finish_submission(messages.get_message("m-1"), done, Outcome(Status.SUCCESS), "one")
    duplicate = messages.claim_submission("m-1", 1, "three", 60)

    # Then
    assert (first.submission.status, first.submission.attempts) == (Status.PROCESSING, 1)
    assert (first.refused, first.cutoffs) == (None, 0)
    assert (busy.submission, busy.refused) == (None, ClaimRefusal.LEASED)
    assert listed is Status.RECEIVED  # the message item is not rewritten for a claim
    assert (duplicate.submission, duplicate.refused) == (None, ClaimRefusal.FINISHED)


def test_a_claim_whose_body_cannot_be_read_gives_its_lease_back(messages):
    # Given a message whose body, in the payload store, is gone
    messages.put_message(recent("m-1", body=b"x" * 300_000), Mode.ASYNC)
    body = _lose_body(messages, "m-1")

    # When it is claimed, then claimed again once the body is back
    with pytest.raises(Exception, match=r"NoSuchKey|payloads/m-1"):
        messages.claim_submission("m-1", 1, "first", 60)
    _restore_body(messages, "m-1", body)
    again = messages.claim_submission("m-1", 1, "second", 60)

    # Then the second claim was not refused as leased, and the first was not cut off
    assert again.refused is None
    assert (again.submission.attempts, again.cutoffs) == (2, 0)
    assert again.message.body == body


def _lose_body(messages, message_id: str) -> bytes:
    key = f"payloads/{message_id}"
    if isinstance(messages, FakeMessageStore):
        return messages.payloads.objects.pop(key)
    s3, bucket = boto3.client("s3"), wiring.get_settings().payload_bucket
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.delete_object(Bucket=bucket, Key=key)
    return bytes(body)


def _restore_body(messages, message_id: str, body: bytes) -> None:
    messages.payloads.put(f"payloads/{message_id}", body)


def test_cut_off_attempts_are_counted_and_released_ones_are_not(messages):
    # Given a stored message
    messages.put_message(recent("m-1"), Mode.ASYNC)

    # When one delivery is cut off (its lease runs out at once), one releases, one claims
    messages.claim_submission("m-1", 1, "killed", -1)
    messages.claim_submission("m-1", 1, "failed", 60)
    messages.release_submission("m-1", 1, "someone else", "not the owner: ignored")
    messages.release_submission("m-1", 1, "failed", "DependencyError: SSM throttled")
    third = messages.claim_submission("m-1", 1, "third", 60)

    # Then the third sees one cut-off, and the release's reason
    assert third.submission is not None
    assert (third.submission.attempts, third.cutoffs) == (3, 1)
    assert third.submission.reason == "DependencyError: SSM throttled"


def test_a_claim_repeated_by_its_owner_is_the_same_claim(messages):
    # Given a stored message, claimed once
    messages.put_message(recent("m-1"), Mode.ASYNC)
    first = messages.claim_submission("m-1", 1, "mine", 60)

    # When the same owner claims it again (the first answer was lost; the SDK sent it again)
    again = messages.claim_submission("m-1", 1, "mine", 60)

    # Then it is the claim of that owner: one attempt, no cut-off, the message handed back
    assert again.refused is None
    assert (again.submission.attempts, again.cutoffs) == (first.submission.attempts, 0) == (1, 0)
    assert again.message.id == "m-1"


def test_a_release_after_an_unwritten_outcome_counts_a_run_not_a_cut_off(messages):
    # Given a stored message whose first attempt ran but could not write its outcome
    messages.put_message(recent("m-1"), Mode.ASYNC)
    messages.claim_submission("m-1", 1, "first", 60)
    messages.release_submission("m-1", 1, "first", "ThrottlingException", ran=True)

    # When it is claimed again
    second = messages.claim_submission("m-1", 1, "second", 60)

    # Then the earlier run is counted as run, its outcome unwritten, and not as a cut-off
    assert (second.submission.attempts, second.cutoffs, second.unrecorded) == (2, 0, 1)


def test_an_outcome_is_written_only_by_the_lease_owner(messages):
    # Given a message whose first delivery's lease ran out and a second delivery holds it
    messages.put_message(recent("m-1"), Mode.ASYNC)
    late = messages.claim_submission("m-1", 1, "late", -1)
    live = messages.claim_submission("m-1", 1, "live", 60)

    # When the first delivery finishes late
    late.submission.status = Status.FAILED
    outcome = Outcome(Status.FAILED, "P", "late", [execution("late", 1)])
    messages.finish_submission(late.message, late.submission, outcome, "late")

    # Then the live lease is still there (a third delivery is refused) and no outcome claimed
    third = messages.claim_submission("m-1", 1, "third", 60)
    assert third.refused is ClaimRefusal.LEASED
    assert messages.get_message("m-1").status is Status.RECEIVED

    # When the lease owner finishes, and the late one writes again
    live.submission.status = Status.SUCCESS
    done = Outcome(Status.SUCCESS, "P", "live", [execution("live", 1)])
    messages.finish_submission(live.message, live.submission, done, "live")
    messages.finish_submission(late.message, late.submission, outcome, "late")

    # Then the record is the owner's run, never replaced by the late writer's
    detail = messages.get_detail("m-1")
    assert (detail.message.status, detail.message.summary) == (Status.SUCCESS, "live")
    assert [(s.submission, s.status) for s in detail.submissions] == [(1, Status.SUCCESS)]
    assert [e.function for e in detail.executions] == ["live"]


def test_the_queue_gives_up_only_on_a_submission_no_other_delivery_holds(messages):
    # Given a message another delivery is running right now
    messages.put_message(recent("m-1"), Mode.ASYNC)
    messages.claim_submission("m-1", 1, "running", 60)

    # When a duplicate delivery, on its last receive, gives up on it
    messages.settle("m-1", 1, Status.DEAD, "busy", owner="duplicate")
    messages.settle("m-1", 1, Status.FAILED, "lost")

    # Then nothing is settled while the other holds its lease
    assert messages.get_message("m-1").status is Status.RECEIVED


def test_a_dead_submission_is_claimable_and_a_finished_one_stays_finished(messages):
    # Given two messages, the second finished
    messages.put_message(recent("m-1"), Mode.ASYNC)
    messages.put_message(recent("m-2"), Mode.ASYNC)
    finish(messages, "m-2", 1, Status.SUCCESS)

    # When the queue gives up on both
    messages.settle("m-1", 1, Status.DEAD, "RuntimeError: gone")
    messages.settle("m-2", 1, Status.DEAD, "RuntimeError: late")

    # Then the first is DEAD with its reason and can be claimed again; the second is untouched
    dead, finished = messages.get_message("m-1"), messages.get_message("m-2")
    assert (dead.status, dead.reason) == (Status.DEAD, "RuntimeError: gone")
    assert messages.claim_submission("m-1", 1, "redriven", 60).submission is not None
    assert (finished.status, finished.reason) == (Status.SUCCESS, None)


def test_sweeps_are_counted_until_the_submission_finishes(messages):
    # Given three messages, the second finished, the third dead
    for message_id in ("m-1", "m-2", "m-3"):
        messages.put_message(recent(message_id), Mode.ASYNC)
    finish(messages, "m-2", 1, Status.SUCCESS)
    messages.settle("m-3", 1, Status.DEAD, "gone")

    # When each is swept twice
    counts = [messages.count_sweep(m, 1) for m in ("m-1", "m-1", "m-2", "m-2", "m-3")]

    # Then the unfinished one counts up, the finished and the dead ones answer 0, and its
    # count reads back; the others' is None
    assert counts == [1, 2, 0, 0, 0]
    assert [messages.sweeps(m, 1) for m in ("m-1", "m-2", "m-3")] == [2, None, None]


def test_the_sweeper_watches_resubmitted_and_swept_submissions_until_they_end(messages):
    # Given a resubmitted message, a swept one and an untouched one
    for message_id in ("m-1", "m-2", "m-3"):
        messages.put_message(recent(message_id), Mode.ASYNC)
    (second,) = messages.add_submissions(["m-1"], Mode.RESUBMIT)
    messages.count_sweep("m-2", 1)
    watching = messages.watched()

    # When the first finishes and the second is given up on
    finish(messages, "m-1", 2, Status.SUCCESS)
    messages.settle("m-2", 1, Status.DEAD, "gone")

    # Then both were watched, with their latest submission and when it was made, and no more
    received = messages.get_message("m-2").received_at
    assert sorted((w.message_id, w.submission, w.submitted_at) for w in watching) == [
        ("m-1", 2, second.submitted_at),
        ("m-2", 1, received),
    ]
    assert messages.watched() == []


def test_the_sweep_mark_reads_back(messages):
    # Given
    moment = datetime(2026, 11, 29, 12, 0, 0, 123000, tzinfo=UTC)
    before = messages.sweep_mark()

    # When
    messages.mark_swept(moment)

    # Then
    assert (before, messages.sweep_mark()) == (None, moment)


def test_the_first_delivery_of_an_id_is_remembered_within_its_window(messages):
    # When three messages carry delivery ids, two of them the same one
    first = messages.first_delivery("p-1", "d-1", "m-1", window_hours=1)
    again = messages.first_delivery("p-1", "d-1", "m-2", window_hours=1)
    own = messages.first_delivery("p-1", "d-1", "m-1", window_hours=1)
    other_provider = messages.first_delivery("p-2", "d-1", "m-3", window_hours=1)

    # Then the first one is named for the repeat, and each other one is its own first
    assert (first, again, own, other_provider) == ("m-1", "m-1", "m-1", "m-3")


def test_an_expired_delivery_id_belongs_to_the_next_message(messages):
    # Given a delivery id whose window has passed
    messages.first_delivery("p-1", "d-1", "m-1", window_hours=-1)

    # When it arrives again
    first = messages.first_delivery("p-1", "d-1", "m-2", window_hours=1)

    # Then the new message is its first
    assert first == "m-2"


def test_claiming_what_does_not_exist_is_not_found(messages):
    # Given
    messages.put_message(recent("m-1"), Mode.ASYNC)

    # When / Then
    with pytest.raises(NotFoundError):
        messages.claim_submission("m-1", 2, "owner", 60)
    with pytest.raises(NotFoundError):
        messages.claim_submission("nope", 1, "owner", 60)
    with pytest.raises(NotFoundError):
        messages.get_message("nope")


def test_submissions_are_added_all_or_none(messages):
    # Given two stored messages
    messages.put_message(recent("m-1"), Mode.ASYNC)
    messages.put_message(recent("m-2"), Mode.ASYNC)

    # When a list with an unknown id is resubmitted, then one without
    with pytest.raises(NotFoundError, match="nope"):
        messages.add_submissions(["m-1", "nope"], Mode.RESUBMIT)
    added = messages.add_submissions(["m-1", "m-2"], Mode.RESUBMIT)

    # Then the first changed nothing, the second numbered submission 2 of each
    assert messages.unknown_ids(["m-2", "nope", "m-1"]) == ["nope"]
    assert [(s.submission, s.mode) for s in added] == [(2, Mode.RESUBMIT)] * 2
    assert [messages.get_message(m).submission_count for m in ("m-1", "m-2")] == [2, 2]
    assert [s.submission for s in messages.get_detail("m-1").submissions] == [1, 2]


def test_finishing_records_the_outcome_and_executions(messages):
    # Given
    messages.put_message(recent("m-1"), Mode.ASYNC)

    # When
    finish(messages, "m-1", 1, Status.FAILED, "b", "a")

    # Then
    detail = messages.get_detail("m-1")
    assert (detail.message.status, detail.message.provider) == (Status.FAILED, "P")
    assert (detail.message.summary, detail.message.functions) == ("done 1", ["a", "b"])
    assert detail.submissions[0].status is Status.FAILED
    assert sorted(e.function for e in detail.executions) == ["a", "b"]


def test_a_submission_replaced_before_it_ran_is_superseded_and_never_runs(messages):
    # Given a message resubmitted before its first submission was processed
    messages.put_message(recent("m-1"), Mode.ASYNC)
    (second,) = messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the first submission's delivery comes, then the second's
    stale = messages.claim_submission("m-1", 1, "owner", 60)
    finish(messages, "m-1", second.submission, Status.SUCCESS, "b")

    # Then the first was refused and is on record as superseded; the second ran
    detail = messages.get_detail("m-1")
    assert (stale.submission, stale.refused) == (None, ClaimRefusal.SUPERSEDED)
    assert [(s.submission, s.status) for s in detail.submissions] == [
        (1, Status.SUPERSEDED),
        (2, Status.SUCCESS),
    ]
    assert detail.submissions[0].reason == "superseded by submission 2"
    assert (detail.message.status, detail.message.submission_count) == (Status.SUCCESS, 2)


def test_a_long_history_of_resubmissions_stays_on_record(messages):
    # Given a message resubmitted twelve times before any submission ran
    messages.put_message(recent("m-1"), Mode.ASYNC)
    for _ in range(12):
        messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the latest runs
    finish(messages, "m-1", 13, Status.SUCCESS, "a")

    # Then every earlier one is on record as superseded by the next
    detail = messages.get_detail("m-1")
    assert [(s.submission, s.status) for s in detail.submissions] == [
        *((number, Status.SUPERSEDED) for number in range(1, 13)),
        (13, Status.SUCCESS),
    ]
    assert detail.submissions[11].reason == "superseded by submission 13"
    assert [(e.submission, e.function) for e in detail.executions] == [(13, "a")]


def test_only_the_latest_submission_updates_the_message(messages):
    # Given a message resubmitted while its first submission runs
    messages.put_message(recent("m-1"), Mode.ASYNC)
    running = messages.claim_submission("m-1", 1, "first", 60)
    (second,) = messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the first finishes, then the second
    running.submission.status = Status.FAILED
    outcome = Outcome(Status.FAILED, "P", "done 1", [execution("a", 1)])
    messages.finish_submission(running.message, running.submission, outcome, "first")
    after_first = messages.get_message("m-1")
    finish(messages, "m-1", second.submission, Status.SUCCESS, "b")

    # Then the message followed the second only, and both submissions' executions are kept
    detail = messages.get_detail("m-1")
    assert (second.submission, after_first.status) == (2, Status.RECEIVED)
    assert (detail.message.status, detail.message.submission_count) == (Status.SUCCESS, 2)
    assert [(s.submission, s.status) for s in detail.submissions] == [
        (1, Status.FAILED),
        (2, Status.SUCCESS),
    ]
    assert [(e.submission, e.function) for e in detail.executions] == [(1, "a"), (2, "b")]
    assert detail.message.functions == ["b"]


def test_a_large_record_reads_back_whole(messages):
    # Given a message whose functions log as much as they may, in text that does not compress
    messages.put_message(recent("m-1"), Mode.ASYNC)
    noise = [
        LogEntry(level="INFO", message=new_id() * 150, at=datetime.now(UTC)) for _ in range(16)
    ]
    claim = messages.claim_submission("m-1", 1, "owner", 60)
    ran = [execution(name, 1, noise) for name in ("a", "b", "c", "d", "e", "f", "g")]

    # When it finishes, and its record is read back
    claim.submission.status = Status.SUCCESS
    outcome = Outcome(Status.SUCCESS, "P", "done", ran)
    messages.finish_submission(claim.message, claim.submission, outcome, "owner")
    detail = messages.get_detail("m-1")

    # Then every execution is there with its logs, and the outcome is the message's
    assert [(e.function, len(e.logs)) for e in detail.executions] == [
        (name, 16) for name in "abcdefg"
    ]
    assert detail.executions[0].logs == noise
    assert (detail.message.status, detail.submissions[0].status) == (Status.SUCCESS,) * 2


def test_an_old_submission_is_not_settled_or_swept(messages):
    # Given a message on its second submission
    messages.put_message(recent("m-1"), Mode.ASYNC)
    messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the first is given up on and swept
    messages.settle("m-1", 1, Status.DEAD, "RuntimeError: late")
    swept = messages.count_sweep("m-1", 1)

    # Then nothing changed
    assert (swept, messages.get_message("m-1").status) == (0, Status.RECEIVED)


def test_listing_is_newest_first_filtered_and_paged(messages):
    # Given three messages a minute apart, the middle one failed
    stored = [recent(minutes_ago=3 - number) for number in range(3)]
    for each in stored:
        messages.put_message(each, Mode.ASYNC)
    oldest, middle, newest = (each.id for each in stored)
    finish(messages, middle, 1, Status.FAILED, "a")

    # When they are listed two at a time, and by filters
    first = messages.list_messages(MessageFilter(), 2, None)
    second = messages.list_messages(MessageFilter(), 2, first.next_cursor)
    failed = messages.list_messages(MessageFilter(status=Status.FAILED), 10, None)
    by_function = messages.list_messages(MessageFilter(function="a"), 10, None)
    old = messages.list_messages(
        MessageFilter(until=datetime.now(UTC) - timedelta(hours=1)), 10, None
    )

    # Then
    assert [m.id for m in first.items + second.items] == [newest, middle, oldest]
    assert first.next_cursor is not None
    assert re.fullmatch(CURSOR_PATTERN, first.next_cursor)  # a cursor the admin API takes
    assert second.next_cursor is None
    assert [m.id for m in failed.items] == [m.id for m in by_function.items] == [middle]
    assert old.items == []


@pytest.mark.parametrize("name", RARE_FILTERS)
def test_rare_matches_are_all_found_by_following_cursors(messages, name):
    # Given 300 messages over ten days, every hundredth a rare one, as `name` finds them:
    # FAILED from the provider Rare, run by the function rare, sent to rare/hook; DEAD; or
    # UNMATCHED
    rare = []
    for number in range(300):
        minutes = (300 - number) * 48
        each = recent(minutes_ago=minutes, uri="rare/hook" if number % 100 == 7 else "hook")
        messages.put_message(each, Mode.ASYNC)
        if each.uri == "rare/hook":
            rare.append(each.id)
            _end_rarely(messages, each.id, RARE_FILTERS[name].status)
        elif number % 3 == 0:
            finish(messages, each.id, 1, Status.SUCCESS, "common")

    # When the list is read 5 at a time, following cursors to the end
    found = [m.id for m in each_message(messages, RARE_FILTERS[name], 5)]

    # Then exactly the rare ones are found, newest first
    assert found == rare[::-1]


def _end_rarely(messages, message_id: str, status: Status | None) -> None:
    if status is Status.DEAD:
        messages.settle(message_id, 1, Status.DEAD, "gone")
        return
    status = status or Status.FAILED
    claim = messages.claim_submission(message_id, 1, "owner", 60)
    claim.submission.status = status
    outcome = Outcome(status, "Rare", None, [execution("rare", 1)])
    messages.finish_submission(claim.message, claim.submission, outcome, "owner")


def test_a_resubmitted_message_leaves_the_failed_list(messages):
    # Given a failed message and a dead one
    failed, dead = recent(minutes_ago=2), recent(minutes_ago=1)
    for each in (failed, dead):
        messages.put_message(each, Mode.ASYNC)
    finish(messages, failed.id, 1, Status.FAILED, "a")
    messages.settle(dead.id, 1, Status.DEAD, "gone")

    # When both are resubmitted
    messages.add_submissions([failed.id, dead.id], Mode.RESUBMIT)

    # Then neither is listed as failed or dead any more, both as received
    listed = {
        status: [m.id for m in messages.list_messages(MessageFilter(status=status), 10, None).items]
        for status in (Status.FAILED, Status.DEAD, Status.RECEIVED)
    }
    assert listed == {Status.FAILED: [], Status.DEAD: [], Status.RECEIVED: [dead.id, failed.id]}


def test_a_cursor_that_is_not_one_is_refused(messages):
    # When / Then
    with pytest.raises(InvalidRequestError):
        messages.list_messages(MessageFilter(), 10, "not a cursor!")


def test_messages_are_found_by_ids_without_their_bodies(messages):
    # Given two stored messages, one of them dead
    messages.put_message(recent("m-1", body=b"one"), Mode.ASYNC)
    messages.put_message(recent("m-2", body=b"two"), Mode.ASYNC)
    messages.settle("m-2", 1, Status.DEAD, "ThrottlingException")

    # When ids are asked for, repeated and unknown among them
    found = messages.find_messages(["m-2", "gone", "m-1", "m-2"])

    # Then each stored one is found once, as its message item holds it
    assert sorted(found) == ["m-1", "m-2"]
    assert (found["m-2"].status, found["m-2"].reason) == (Status.DEAD, "ThrottlingException")
    assert (found["m-1"].status, found["m-1"].body) == (Status.RECEIVED, b"")
    assert messages.find_messages([]) == {}


# configuration ----------------------------------------------------------------------------


def test_every_write_bumps_the_revision(config):
    # Given an empty store
    start = config.revision()
    github = provider("GitHub")

    # When a provider and a function are written, then deleted
    config.put_provider(github)
    config.put_function(function(github))
    config.delete_function("f-GitHub-f")
    config.delete_provider(github.id)

    # Then
    assert (start, config.revision()) == (0, 4)
    assert (config.list_providers(), config.list_functions()) == ([], [])


def test_a_new_version_gets_a_history_entry_and_a_rewrite_does_not(config):
    # Given a provider saved at version 1
    github = provider("GitHub", match_script="return 1")
    config.put_provider(github)

    # When it is saved again unchanged, then at version 2
    config.put_provider(github.model_copy(update={"description": "same version"}))
    config.put_provider(github.model_copy(update={"match_script": "return 2", "version": 2}))

    # Then
    versions = config.list_versions(github.id)
    assert [(v.version, v.script) for v in versions] == [(2, "return 2"), (1, "return 1")]
    assert config.get_provider(github.id).version == 2


def test_lists_are_ordered_and_unknown_ids_are_not_found(config):
    # Given providers and functions written out of order
    later, first = provider("Later", position=1), provider("First", position=0)
    for item in (later, first, function(later, "z"), function(first, "b"), function(first, "a")):
        (config.put_provider if item in (later, first) else config.put_function)(item)

    # When / Then
    assert [p.name for p in config.list_providers()] == ["First", "Later"]
    assert [(f.provider_id, f.name) for f in config.list_functions()] == [
        ("p-First", "a"),
        ("p-First", "b"),
        ("p-Later", "z"),
    ]
    with pytest.raises(NotFoundError):
        config.get_provider("nope")
    with pytest.raises(NotFoundError):
        config.get_function("nope")


# secrets ----------------------------------------------------------------------------------


def test_secrets_are_kept_per_provider(secrets):
    # Given
    secrets.put_secret("p1", "KEY", "k3y")
    secrets.put_secret("p1", "OTHER", "o")
    secrets.put_secret("p2", "KEY", "another")

    # When
    secrets.put_secret("p1", "KEY", "n3w")
    secrets.delete_secret("p1", "OTHER")
    secrets.delete_secret("p1", "MISSING")

    # Then
    assert dict(secrets.get_secrets("p1")) == {"KEY": "n3w"}
    assert dict(secrets.get_secrets("p2")) == {"KEY": "another"}
    assert dict(secrets.get_secrets("p3")) == {}


# dead letters -----------------------------------------------------------------------------


@pytest.fixture(params=KINDS)
def dead_letters(request):
    """The dead-letter port, and a way to dead-letter a submission in it (the record id)."""
    if request.param == "fake":
        fake = FakeDeadLetters(FakeQueue())
        return fake, fake.add
    request.getfixturevalue("stack")

    def add(message_id: str, submission: int) -> str:
        body = json.dumps({"message_id": message_id, "submission": submission})
        url = wiring.get_settings().dead_letter_queue_url
        return str(boto3.client("sqs").send_message(QueueUrl=url, MessageBody=body)["MessageId"])

    return wiring.dead_letters(), add


def test_records_are_listed_once_each_and_every_listing_counts_a_receive(dead_letters):
    # Given two dead-lettered submissions
    port, add = dead_letters
    first, second = add("m-1", 1), add("m-2", 3)

    # When they are listed twice, then at most one
    port.records(10)
    listed = port.records(10)
    one = port.records(1)

    # Then
    assert {(r.record_id, r.message_id, r.submission) for r in listed} == {
        (first, "m-1", 1),
        (second, "m-2", 3),
    }
    assert [r.receive_count for r in listed] == [2, 2]
    assert all(r.sent_at is not None for r in listed)
    assert json.loads(listed[0].body)["message_id"] == listed[0].message_id
    assert len(one) == 1


def test_a_record_is_found_removed_once_and_then_not_found(dead_letters):
    # Given
    port, add = dead_letters
    redriven, discarded, kept = add("m-1", 1), add("m-2", 1), add("m-3", 1)

    # When
    shown = port.record(redriven)
    port.redrive_record(redriven)
    port.discard_record(discarded)

    # Then only the third is left, and the others are not found
    assert (shown.record_id, shown.message_id) == (redriven, "m-1")
    assert [r.record_id for r in port.records(10)] == [kept]
    assert port.approximate_count() == 1
    for gone in (redriven, discarded, "no-such-record"):
        with pytest.raises(NotFoundError):
            port.discard_record(gone)
