"""The sweeper: messages left unfinished past every retry are queued again, or given up.

What leaves a message RECEIVED or PROCESSING for good: a synchronous request whose runtime was
killed, a failed enqueue (answered 503), a queue record lost or deleted by hand, submissions
written by a bulk resubmission whose queueing failed. The queue's own retries take at most
MaxReceiveCount x the visibility timeout, so a message unfinished for longer than that
(`after`) has nobody working on it: its latest submission is queued again. Re-queueing is
safe because a submission runs at most once (the lease and the finished check); a submission
swept `max_sweeps` times without finishing is FAILED as lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine.domain.models import Message, Status
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
    after: timedelta  # unfinished this long after arrival: nobody is working on it
    window: timedelta  # how far back to look
    max_sweeps: int

    def sweep(self, now: datetime) -> SweepReport:
        report = SweepReport()
        for status in (Status.RECEIVED, Status.PROCESSING):
            filters = MessageFilter(status=status, since=now - self.window, until=now - self.after)
            # read whole before sweeping: settling messages would move the pages under the cursor
            for message in list(each_message(self.messages, filters, _PAGE)):
                self._sweep(message, report)
        if report.requeued:
            metrics.add_metric(
                name="MessagesSwept", unit=MetricUnit.Count, value=len(report.requeued)
            )
        if report.lost:
            metrics.add_metric(name="MessagesLost", unit=MetricUnit.Count, value=len(report.lost))
        logger.info("sweep done", requeued=len(report.requeued), lost=len(report.lost))
        return report

    def _sweep(self, message: Message, report: SweepReport) -> None:
        submission = message.submission_count
        sweeps = self.messages.count_sweep(message.id, submission)
        if sweeps == 0:  # it finished meanwhile
            return
        if sweeps > self.max_sweeps:
            reason = f"lost: queued again {self.max_sweeps} times without finishing"
            self.messages.settle(message.id, submission, Status.FAILED, reason)
            report.lost.append(message.id)
            logger.warning("message lost", message_id=message.id, submission=submission)
            return
        self.queue.send(message.id, submission)
        report.requeued.append(message.id)
        logger.warning("unfinished message queued again", message_id=message.id, sweeps=sweeps)
