"""The sweeper's decisions: queue unfinished messages again, or give them up as lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes import FakeQueue
from tests.unit.builders import RECEIVED_AT, message, message_store
from webhook_engine.domain.models import Mode, Status
from webhook_engine.domain.ports import Outcome
from webhook_engine.pipeline.sweeper import Sweeper

AFTER, WINDOW = timedelta(minutes=40), timedelta(days=2)
NOW = RECEIVED_AT + timedelta(hours=1)  # RECEIVED_AT: when builders' messages arrive


def received(message_id: str, ago: timedelta):
    return message(message_id).model_copy(update={"received_at": NOW - ago})


class Setup:
    def __init__(self, *messages, max_sweeps: int = 2) -> None:
        self.messages, self.queue = message_store(*messages), FakeQueue()
        self.sweeper = Sweeper(self.messages, self.queue, AFTER, WINDOW, max_sweeps)

    def finish(self, message_id: str) -> None:
        claim = self.messages.claim_submission(message_id, 1, "worker", 60)
        assert claim.submission is not None
        done = claim.submission.model_copy(update={"status": Status.SUCCESS})
        self.messages.finish_submission(
            self.messages.get_message(message_id), done, Outcome(Status.SUCCESS), "worker"
        )


def test_only_messages_unfinished_past_the_retries_and_within_the_window_are_queued_again():
    # Given messages received long enough ago, too recently, too long ago, and one finished
    setup = Setup(
        received("stuck", timedelta(hours=1)),
        received("recent", timedelta(minutes=10)),
        received("ancient", timedelta(days=3)),
        received("done", timedelta(hours=1)),
    )
    setup.finish("done")

    # When
    report = setup.sweeper.sweep(NOW)

    # Then
    assert (report.requeued, report.lost) == (["stuck"], [])
    assert setup.queue.sent == [("stuck", 1)]


def test_a_resubmission_left_processing_is_queued_again_whatever_its_message_age():
    # Given a message older than the window, left PROCESSING at its second submission (a
    # killed delivery)
    setup = Setup(received("stuck", timedelta(days=3)))
    (second,) = setup.messages.add_submissions(["stuck"], Mode.RESUBMIT)
    setup.messages.claim_submission("stuck", 2, "killed", 60)

    # When the sweeper runs at once, then when the resubmission is past its retries
    early = setup.sweeper.sweep(second.submitted_at)
    late = setup.sweeper.sweep(second.submitted_at + AFTER)

    # Then only the second queued it again, with its latest submission
    assert (early.requeued, late.requeued) == ([], ["stuck"])
    assert setup.queue.sent == [("stuck", 2)]


def test_each_arrival_is_looked_at_as_it_comes_of_age_and_not_again():
    # Given a message that finishes after it was swept once, and one that arrives later
    setup = Setup(received("slow", timedelta(hours=1)), received("later", timedelta(minutes=30)))
    first = setup.sweeper.sweep(NOW)
    setup.finish("slow")

    # When the sweeper runs again, twenty minutes later
    second = setup.sweeper.sweep(NOW + timedelta(minutes=20))

    # Then the first swept the old one, the second only the one that came of age since
    assert (first.requeued, second.requeued) == (["slow"], ["later"])
    assert setup.messages.sweep_mark() == NOW + timedelta(minutes=20) - AFTER


def test_a_message_swept_more_than_max_sweeps_times_is_failed_as_lost():
    # Given a message that never finishes, and at most two sweeps
    setup = Setup(received("stuck", timedelta(hours=1)), max_sweeps=2)

    # When it is swept three times
    reports = [setup.sweeper.sweep(NOW) for _ in range(3)]

    # Then it was queued twice, then FAILED as lost
    stored = setup.messages.get_message("stuck")
    assert [(r.requeued, r.lost) for r in reports] == [
        (["stuck"], []),
        (["stuck"], []),
        ([], ["stuck"]),
    ]
    assert setup.queue.sent == [("stuck", 1), ("stuck", 1)]
    assert stored.status is Status.FAILED
    assert (stored.reason or "").startswith("lost: queued again 2 times")


@pytest.mark.parametrize("count", [0, 1, 150])
def test_every_page_of_stuck_messages_is_swept(count):
    # Given more stuck messages than one page holds
    setup = Setup(*(received(f"m-{n:03d}", timedelta(hours=1)) for n in range(count)))

    # When
    report = setup.sweeper.sweep(NOW)

    # Then
    assert sorted(report.requeued) == [f"m-{n:03d}" for n in range(count)]


class RefusingQueue(FakeQueue):
    """SQS refusing the messages named in `refused`."""

    def __init__(self, *refused: str) -> None:
        super().__init__()
        self.refused = set(refused)

    def send(self, message_id: str, submission: int, config_revision: int | None = None) -> None:
        if message_id in self.refused:
            raise RuntimeError("SQS is unavailable")
        super().send(message_id, submission, config_revision)


def test_a_sweep_that_could_not_send_is_not_counted():
    # Given a message that never finishes, at most two sweeps, and SQS down for three sweeps
    setup = Setup(received("stuck", timedelta(hours=1)), max_sweeps=2)
    setup.sweeper = Sweeper(setup.messages, RefusingQueue("stuck"), AFTER, WINDOW, 2)
    down = [setup.sweeper.sweep(NOW) for _ in range(3)]

    # When SQS is back
    setup.sweeper = Sweeper(setup.messages, setup.queue, AFTER, WINDOW, 2)
    back = setup.sweeper.sweep(NOW)

    # Then the sweeps that could not send counted nothing: it is queued, not lost
    assert [(r.requeued, r.lost, r.unqueued) for r in down] == [([], [], ["stuck"])] * 3
    assert (back.requeued, back.lost) == (["stuck"], [])
    assert setup.messages.get_message("stuck").status is Status.RECEIVED


def test_a_failed_send_does_not_stop_the_sweep_and_the_mark_waits_for_it():
    # Given two arrivals come of age, and SQS refusing the older one
    setup = Setup(received("older", timedelta(hours=1)), received("newer", timedelta(minutes=50)))
    setup.sweeper = Sweeper(setup.messages, RefusingQueue("older"), AFTER, WINDOW, 2)

    # When it sweeps, then sweeps again later with SQS back
    first = setup.sweeper.sweep(NOW)
    mark = setup.messages.sweep_mark()
    setup.sweeper = Sweeper(setup.messages, setup.queue, AFTER, WINDOW, 2)
    second = setup.sweeper.sweep(NOW + timedelta(minutes=20))

    # Then the newer was queued past the failure, the mark stayed at the older, which the
    # next sweep queued
    assert (first.requeued, first.unqueued) == (["newer"], ["older"])
    assert mark == NOW - timedelta(hours=1)
    assert "older" in second.requeued
    assert ("older", 1) in setup.queue.sent
