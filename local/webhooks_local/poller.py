"""The local SQS event source mapping: long-polls a queue and hands batches to its function.

As in AWS, records the function reports in `batchItemFailures` (or the whole batch, when the
function raises, times out or answers badly) are left on the queue and the others deleted.
Two differences, on purpose:

- A record the function reported failed becomes visible again after
  `LOCAL_RETRY_DELAY_SECONDS` (default 2), not after the queue's VisibilityTimeout (360 s).
  Since moto moves a message to the dead-letter queue lazily, at the first receive after
  maxReceiveCount, the redrive happens within seconds locally instead of half an hour.
- When the invocation itself failed (the worker crashed or was killed, or timed out), its
  records come back after the processing lease (`LEASE_SECONDS`, 120 s) plus that delay: as on
  AWS, where the visibility timeout outlasts the lease, the next delivery finds the lease of
  the attempt that was cut off run out, instead of being refused by it until the queue gives
  up.
- A batch is what one ReceiveMessage returns (at most 10 messages);
  MaximumBatchingWindowInSeconds is not waited for.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable
from typing import Any

from webhook_engine.settings import Settings
from webhooks_local.workers import InvocationError
from webhooks_testbed.sqs_events import SqsSource, failed_ids, sqs_event

DEFAULT_RETRY_DELAY = 2
logger = logging.getLogger("webhooks_local.poller")


def retry_delay() -> int:
    """Seconds before a failed record is received again (`LOCAL_RETRY_DELAY_SECONDS`)."""
    return int(os.environ.get("LOCAL_RETRY_DELAY_SECONDS", DEFAULT_RETRY_DELAY))


def lease_seconds() -> int:
    """The processing lease the functions hold (their LEASE_SECONDS: the default)."""
    default: float = Settings.model_fields["lease_seconds"].default
    return math.ceil(default)


class QueuePoller:
    """Polls one event source with `concurrency` threads until stopped."""

    def __init__(
        self,
        sqs: Any,
        source: SqsSource,
        invoke: Callable[[dict[str, Any]], Any],
        *,
        delay: int | None = None,
        lease: int | None = None,
        wait_seconds: int = 1,
        concurrency: int = 1,
        requeue: Any = None,
    ) -> None:
        """`sqs` receives and deletes; `requeue` (default `sqs`) makes records visible again."""
        self.source = source
        self._sqs = sqs
        self._requeue = requeue or sqs
        self._invoke = invoke
        self._delay = retry_delay() if delay is None else delay
        # the records of a failed invocation: after the lease their attempt holds
        self._crash_delay = (lease_seconds() if lease is None else lease) + self._delay
        self._wait_seconds = wait_seconds
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"poller-{source.function_id}-{n}", daemon=True)
            for n in range(concurrency)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling; wait (up to `timeout`) for the batches in flight."""
        self._stopping.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    def poll_once(self) -> int:
        """Receive one batch, run the function on it, settle it; return the batch's size."""
        answer = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=self.source.batch_size,
            WaitTimeSeconds=self._wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        if messages:
            self.settle(messages, *self._failures(messages))
        return len(messages)

    def settle(self, messages: list[dict[str, Any]], failed: set[str], delay: int) -> None:
        """Delete the records that succeeded; make the failed ones visible after `delay`."""
        done = [message for message in messages if message["MessageId"] not in failed]
        retry = [message for message in messages if message["MessageId"] in failed]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self.source.queue_url, Entries=_entries(done))
        if retry:
            entries = [entry | {"VisibilityTimeout": delay} for entry in _entries(retry)]
            self._requeue.change_message_visibility_batch(
                QueueUrl=self.source.queue_url, Entries=entries
            )

    def _failures(self, messages: list[dict[str, Any]]) -> tuple[set[str], int]:
        """The records to retry, and after how long."""
        ids = [message["MessageId"] for message in messages]
        try:
            response = self._invoke(sqs_event(messages, self.source))
        except InvocationError as error:
            logger.error(
                "%s failed on a batch of %d (retried in %d s):\n%s",
                self.source.function_id,
                len(ids),
                self._crash_delay,
                error,
            )
            return set(ids), self._crash_delay
        failed = failed_ids(response, ids, self.source.report_failures)
        if failed:
            logger.info(
                "%s: %d of %d records to retry", self.source.function_id, len(failed), len(ids)
            )
        return failed, self._delay

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("polling %s failed", self.source.queue_url)
                self._stopping.wait(1)


def _entries(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
        for index, message in enumerate(messages)
    ]
