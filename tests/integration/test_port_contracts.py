"""The fakes of tests/fakes.py against the adapters on moto: the same scenarios, the same answers.

Unit tests trust the fakes to behave as the adapters do; these tests are what earns that trust.
"""

from __future__ import annotations

import json
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
from webhook_engine.domain.errors import NotFoundError
from webhook_engine.domain.models import Execution, ExecutionStatus, Mode, Status
from webhook_engine.domain.ports import ClaimRefusal, MessageFilter, Outcome

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


def recent(message_id: str, minutes_ago: int = 0, **fields):
    """A message received `minutes_ago` (listing only reaches back over the retention)."""
    stored = message(message_id, **fields)
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return stored.model_copy(update={"received_at": moment})


def execution(name: str, submission: int) -> Execution:
    return Execution(
        function=name,
        function_id=f"f-{name}",
        status=ExecutionStatus.SUCCESS,
        submission=submission,
        started_at=datetime.now(UTC),
        duration_ms=1.0,
    )


def finish(messages, message_id: str, submission: int, status: Status, *names: str) -> None:
    claimed = messages.claim_submission(message_id, submission, "owner", 60).submission
    assert claimed is not None
    claimed.status = status
    outcome = Outcome(status, "P", f"done {submission}", [execution(n, submission) for n in names])
    messages.finish_submission(messages.get_message(message_id), claimed, outcome)


# messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "in_payloads"), [(10, False), (300_000, True)], ids=["inline", "payload store"]
)
def test_a_message_reads_back_whole(messages, size, in_payloads):
    # Given a binary body, small or over the inline limit
    body = (bytes(range(256)) * (size // 256 + 1))[:size]
    headers = {"content-type": "image/png"}

    # When
    messages.put_message(recent("m-1", body=body, headers=headers), Mode.SYNC)

    # Then the message reads back whole; its detail and body say where the body is
    detail, stored = messages.get_detail("m-1"), messages.get_body("m-1")
    assert messages.get_message("m-1").body == body
    assert (detail.message.status, detail.message.submission_count) == (Status.RECEIVED, 1)
    assert [(s.submission, s.mode, s.status) for s in detail.submissions] == [
        (1, Mode.SYNC, Status.RECEIVED)
    ]
    assert (detail.body_size, detail.body_in_payloads) == (size, in_payloads)
    assert detail.message.body == (b"" if in_payloads else body)
    assert (stored.size, stored.content_type) == (size, "image/png")
    assert (stored.data is None, stored.url is None) == (in_payloads, not in_payloads)


def test_a_live_lease_is_not_taken_over_and_a_finished_submission_not_claimed(messages):
    # Given a stored message
    messages.put_message(recent("m-1"), Mode.ASYNC)

    # When its submission is claimed, claimed again while leased, finished, then claimed
    first = messages.claim_submission("m-1", 1, "one", 60)
    busy = messages.claim_submission("m-1", 1, "two", 60)
    listed = messages.get_message("m-1").status
    assert first.submission is not None
    done = first.submission.model_copy(update={"status": Status.SUCCESS})
    messages.finish_submission(messages.get_message("m-1"), done, Outcome(Status.SUCCESS))
    duplicate = messages.claim_submission("m-1", 1, "three", 60)

    # Then
    assert (first.submission.status, first.submission.attempts) == (Status.PROCESSING, 1)
    assert (first.refused, first.cutoffs) == (None, 0)
    assert (busy.submission, busy.refused) == (None, ClaimRefusal.LEASED)
    assert listed is Status.RECEIVED  # the message item is not rewritten for a claim
    assert (duplicate.submission, duplicate.refused) == (None, ClaimRefusal.FINISHED)


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
    # Given two messages, the second finished
    messages.put_message(recent("m-1"), Mode.ASYNC)
    messages.put_message(recent("m-2"), Mode.ASYNC)
    finish(messages, "m-2", 1, Status.SUCCESS)

    # When each is swept twice
    counts = [messages.count_sweep(m, 1) for m in ("m-1", "m-1", "m-2", "m-2")]

    # Then the unfinished one counts up, the finished one answers 0
    assert counts == [1, 2, 0, 0]


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


def test_only_the_latest_submission_updates_the_message(messages):
    # Given a message resubmitted before its first submission was processed
    messages.put_message(recent("m-1"), Mode.ASYNC)
    (second,) = messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the first finishes, then the second
    finish(messages, "m-1", 1, Status.FAILED, "a")
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


def test_listing_is_newest_first_filtered_and_paged(messages):
    # Given three messages a minute apart, the middle one failed
    for number in range(3):
        messages.put_message(recent(f"m-{number}", minutes_ago=3 - number), Mode.ASYNC)
    finish(messages, "m-1", 1, Status.FAILED, "a")

    # When they are listed two at a time, and by filters
    first = messages.list_messages(MessageFilter(), 2, None)
    second = messages.list_messages(MessageFilter(), 2, first.next_cursor)
    failed = messages.list_messages(MessageFilter(status=Status.FAILED), 10, None)
    by_function = messages.list_messages(MessageFilter(function="a"), 10, None)
    old = messages.list_messages(
        MessageFilter(until=datetime.now(UTC) - timedelta(hours=1)), 10, None
    )

    # Then
    assert [m.id for m in first.items + second.items] == ["m-2", "m-1", "m-0"]
    assert first.next_cursor is not None
    assert second.next_cursor is None
    assert [m.id for m in failed.items] == [m.id for m in by_function.items] == ["m-1"]
    assert old.items == []


def test_messages_are_found_by_ids_without_their_bodies(messages):
    # Given two stored messages, one of them dead
    messages.put_message(recent("m-1", body=b"one"), Mode.ASYNC)
    messages.put_message(recent("m-2", body=b"two"), Mode.ASYNC)
    messages.settle("m-2", 1, Status.DEAD, "ThrottlingException")

    # When ids are asked for, repeated and unknown among them
    found = messages.find_messages(["m-2", "gone", "m-1", "m-2"])

    # Then each stored one is found once, as its #MESSAGE item holds it
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
