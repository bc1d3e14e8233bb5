"""The sweeper: messages left unfinished past every retry are queued again, or given up.

What leaves a message RECEIVED or PROCESSING for good: a synchronous request whose runtime was
killed, a failed enqueue (answered 202 all the same: stored means accepted), a queue record
lost or deleted by hand, submissions written by a bulk resubmission whose queueing failed. The queue's own retries take at most
MaxReceiveCount x the visibility timeout, so a submission unfinished for longer than that
(`after`) has nobody working on it: it is queued again. Re-queueing is safe because a
submission runs at most once (the lease and the finished check); a submission queued again
`max_sweeps` times without finishing is FAILED as lost. A sweep is counted once its message
is sent, so an SQS outage counts nothing; a failed send is logged and the sweep goes on.

Each message is looked at once as it comes of age: a sweep reads the arrivals since the last
sweep's mark (at most `window` back), then the submissions the store watches whatever their
message's age (resubmitted, or swept once already), and moves the mark over what it finished:
never past an arrival it could not queue. So a sweep reads what arrived in five minutes, not a
day of messages every five minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine.domain.models import Status
from webhook_engine.domain.ports import MessageFilter, Queue, SweepLedger, each_message
from webhook_engine.observability import logger, metrics

_PAGE = 100


@dataclass
class SweepReport:
    requeued: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unqueued: list[str] = field(default_factory=list)  # SQS refused them: tried next sweep


@dataclass(frozen=True)
class Sweeper:
    messages: SweepLedger
    queue: Queue
    after: timedelta  # unfinished this long after submission: nobody is working on it
    window: timedelta  # how far back the first sweep (or one after an outage) looks
    max_sweeps: int

    def sweep(self, now: datetime) -> SweepReport:
        report = SweepReport()
        until = now - self.after
        due, arrived = self._due(now, until)
        for message_id, submission in due.items():
            self._sweep(message_id, submission, report)
        waiting = [arrived[m] for m in report.unqueued if m in arrived]
        self.messages.mark_swept(min([until, *waiting]))
        # Zeros too: every sweep leaves a data point (and Powertools no empty-metrics warning).
        for name, found in (
            ("MessagesSwept", report.requeued),
            ("MessagesLost", report.lost),
            ("MessagesNotSwept", report.unqueued),
        ):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=len(found))
        logger.info(
            "sweep done",
            requeued=len(report.requeued),
            lost=len(report.lost),
            unqueued=len(report.unqueued),
        )
        return report

    def _due(self, now: datetime, until: datetime) -> tuple[dict[str, int], dict[str, datetime]]:
        """Submissions unfinished since before `until`, by message: first submissions that
        arrived since the mark (with when they arrived), and the watched ones. Read whole
        before sweeping: settling messages would move the pages under the cursor."""
        since = max(self.messages.sweep_mark() or now - self.window, now - self.window)
        arrivals = MessageFilter(status=Status.RECEIVED, since=since, until=until)
        arrived = {
            message.id: message.received_at
            for message in each_message(self.messages, arrivals, _PAGE)
            if message.submission_count == 1  # a later one is watched
        }
        watched = {
            w.message_id: w.submission for w in self.messages.watched() if w.submitted_at <= until
        }
        return dict.fromkeys(arrived, 1) | watched, arrived

    def _sweep(self, message_id: str, submission: int, report: SweepReport) -> None:
        sweeps = self.messages.sweeps(message_id, submission)
        if sweeps is None:  # it finished meanwhile, or waits in the dead-letter queue
            return
        if sweeps >= self.max_sweeps:
            reason = f"lost: queued again {sweeps} times without finishing"
            self.messages.settle(message_id, submission, Status.FAILED, reason)
            report.lost.append(message_id)
            logger.warning("message lost", message_id=message_id, submission=submission)
            return
        try:
            self.queue.send(message_id, submission)
        except Exception:
            report.unqueued.append(message_id)
            logger.exception("unfinished message not queued; the next sweep tries again")
            return
        self.messages.count_sweep(message_id, submission)
        report.requeued.append(message_id)
        logger.warning("unfinished message queued again", message_id=message_id, sweeps=sweeps + 1)
