"""Process one submission of a stored message: claim it, match, run, record."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine.config.snapshot import ConfigCache, resolve_props
from webhook_engine.domain.models import ExecutionStatus, Status
from webhook_engine.domain.ports import MessageStore, Outcome, SecretStore
from webhook_engine.observability import logger, metrics
from webhook_engine.pipeline.matching import Limits, process_request

_STATUS_METRICS = {
    Status.SUCCESS: "MessagesSucceeded",
    Status.FAILED: "MessagesFailed",
    Status.UNMATCHED: "MessagesUnmatched",
}


@dataclass
class Processor:
    messages: MessageStore
    config: ConfigCache
    secrets: SecretStore
    match_timeout: float
    function_timeout: float

    def process(
        self, message_id: str, submission: int, budget: float | None = None
    ) -> Outcome | None:
        """Run a submission once; None when it had already finished (a duplicate delivery)."""
        claimed = self.messages.claim_submission(message_id, submission)
        if claimed is None:
            logger.info("submission already processed", submission=submission)
            return None
        message = self.messages.get_message(message_id)
        deadline = None if budget is None else time.monotonic() + budget
        limits = Limits(self.match_timeout, self.function_timeout, deadline)
        props = partial(resolve_props, secrets=self.secrets)
        result = process_request(message, message_id, submission, self.config.get(), props, limits)
        outcome = Outcome(result.status, result.provider, result.summary, result.executions)
        claimed.status, claimed.finished_at = result.status, datetime.now(UTC)
        claimed.evaluations = result.evaluations
        self.messages.finish_submission(message, claimed, outcome)
        _record(outcome, submission)
        return outcome


def _record(outcome: Outcome, submission: int) -> None:
    failed = sum(e.status is ExecutionStatus.FAILED for e in outcome.executions)
    metrics.add_metric(name=_STATUS_METRICS[outcome.status], unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="FunctionsRun", unit=MetricUnit.Count, value=len(outcome.executions))
    if failed:
        metrics.add_metric(name="FunctionsFailed", unit=MetricUnit.Count, value=failed)
    logger.info(
        "submission processed",
        submission=submission,
        status=outcome.status.value,
        provider=outcome.provider,
        functions=len(outcome.executions),
        failed=failed,
    )
