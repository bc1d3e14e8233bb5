"""The sweeper: messages left unfinished past every retry are queued again, or given up.

What leaves a message RECEIVED or PROCESSING for good: a synchronous request whose runtime was
killed, a failed enqueue (answered 503), a queue record lost or deleted by hand, submissions
written by a bulk resubmission whose queueing failed. The queue's own retries take at most
MaxReceiveCount x the visibility timeout, so a submission unfinished for longer than that
(`after`) has nobody working on it: it is queued again. Re-queueing is safe because a
submission runs at most once (the lease and the finished check); a submission swept
`max_sweeps` times without finishing is FAILED as lost.

Each message is looked at once as it comes of age: a sweep reads the arrivals since the last
sweep's mark (at most `window` back), then the submissions the store watches whatever their
message's age (resubmitted, or swept once already), and moves the mark. So a sweep reads what
arrived in five minutes, not a day of messages every five minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine.domain.models import Status
from webhook_engine.domain.ports import MessageFilter, MessageStore, Queue, each_message
from webhook_engine.observability import logger, metrics

_PAGE = 100


@dataclass
class SweepReport:
    requeued: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sweeper:
    messages: MessageStore
    queue: Queue
    after: timedelta  # unfinished this long after submission: nobody is working on it
    window: timedelta  # how far back the first sweep (or one after an outage) looks
    max_sweeps: int

    def sweep(self, now: datetime) -> SweepReport:
        report = SweepReport()
        until = now - self.after
        for message_id, submission in self._due(now, until).items():
            self._sweep(message_id, submission, report)
        self.messages.mark_swept(until)
        if report.requeued:
            metrics.add_metric(
                name="MessagesSwept", unit=MetricUnit.Count, value=len(report.requeued)
            )
        if report.lost:
            metrics.add_metric(name="MessagesLost", unit=MetricUnit.Count, value=len(report.lost))
        logger.info("sweep done", requeued=len(report.requeued), lost=len(report.lost))
        return report

    def _due(self, now: datetime, until: datetime) -> dict[str, int]:
        """Submissions unfinished since before `until`, by message: first submissions that
        arrived since the mark, and the watched ones. Read whole before sweeping: settling
        messages would move the pages under the cursor."""
        since = max(self.messages.sweep_mark() or now - self.window, now - self.window)
        arrived = MessageFilter(status=Status.RECEIVED, since=since, until=until)
        due = {
            message.id: 1
            for message in each_message(self.messages, arrived, _PAGE)
            if message.submission_count == 1  # a later one is watched
        }
        watched = self.messages.watched()
        return due | {w.message_id: w.submission for w in watched if w.submitted_at <= until}

    def _sweep(self, message_id: str, submission: int, report: SweepReport) -> None:
        sweeps = self.messages.count_sweep(message_id, submission)
        if sweeps == 0:  # it finished meanwhile
            return
        if sweeps > self.max_sweeps:
            reason = f"lost: queued again {self.max_sweeps} times without finishing"
            self.messages.settle(message_id, submission, Status.FAILED, reason)
            report.lost.append(message_id)
            logger.warning("message lost", message_id=message_id, submission=submission)
            return
        self.queue.send(message_id, submission)
        report.requeued.append(message_id)
        logger.warning("unfinished message queued again", message_id=message_id, sweeps=sweeps)
