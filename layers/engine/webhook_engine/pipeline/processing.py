"""Process one submission of a stored message: lease it, match, run, record.

Every way a submission can end is recorded (docs/operations.md, "Guarantees"): scripts'
failures in their executions, a processing error as FAILED with its reason, a submission
that a later one replaced as SUPERSEDED (by the resubmission), one whose attempts twice left
nothing behind (runtime killed) as FAILED, outcome unknown, one whose body is gone as FAILED.
Runs whose outcome could not be written are counted by their release ("ran N times"). Every
outcome, release and give-up write is conditioned on this delivery's lease. The claim hands back the message, so a submission costs two requests of
the message store: the claim and the record.
A failure of AWS itself releases the lease and raises, so that the queue retries it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine.actions.calls import Toolkit
from webhook_engine.config.snapshot import ConfigCache, RuntimeConfig, resolve_props
from webhook_engine.domain.errors import (
    BodyMissingError,
    OutcomeNotWrittenError,
    SubmissionBusyError,
    UpstreamError,
    describe_error,
)
from webhook_engine.domain.models import (
    ExecutionStatus,
    Message,
    Mode,
    Provider,
    Status,
    Submission,
)
from webhook_engine.domain.ports import ClaimRefusal, Outcome, SecretStore, SubmissionLedger
from webhook_engine.observability import logger, metrics
from webhook_engine.pipeline.deliveries import delivery_id
from webhook_engine.pipeline.matching import Limits, process_request
from webhook_engine.sandbox.supervisor import SandboxUnavailableError

# A submission whose processing was cut off this many times is not run again: it is what
# kills the runtime (a crash in one message must not sink the others of its batch).
MAX_CUTOFFS = 2
_STATUS_METRICS = {
    Status.SUCCESS: "MessagesSucceeded",
    Status.FAILED: "MessagesFailed",
    Status.UNMATCHED: "MessagesUnmatched",
    Status.SUPERSEDED: "SubmissionsSuperseded",
    Status.DUPLICATE: "MessagesDuplicate",
}


@dataclass(frozen=True)
class _Attempt:
    """One claimed attempt at a submission, and how it is to run."""

    claimed: Submission
    owner: str
    cutoffs: int
    unrecorded: int  # earlier attempts that ran but could not write their outcome
    budget: float | None
    config_revision: int | None
    waiting: bool


@dataclass
class Processor:
    messages: SubmissionLedger
    config: ConfigCache
    secrets: SecretStore
    match_timeout: float
    function_timeout: float
    lease_seconds: float
    toolkit: Toolkit

    def process(
        self,
        message_id: str,
        submission: int,
        budget: float | None = None,
        config_revision: int | None = None,
        waiting: bool = False,
        owner: str | None = None,
    ) -> Outcome | None:
        """Run a submission once; None when it had already run (a duplicate delivery).
        `waiting`: the sender waits for the answer (a script's `respond` sets it); `owner`:
        this delivery's lease token (one is drawn when not given).

        Raises SubmissionBusyError while another delivery runs it, and whatever AWS raised
        (after giving the lease back) when the work should be retried.
        """
        owner = owner or new_owner()
        try:
            claim = self.messages.claim_submission(
                message_id, submission, owner, self.lease_seconds
            )
        except BodyMissingError as error:
            return self._body_gone(message_id, submission, error)
        if claim.refused is ClaimRefusal.FINISHED:
            logger.info("submission already processed", submission=submission)
            return None
        if claim.refused is ClaimRefusal.SUPERSEDED:
            # recorded SUPERSEDED by the resubmission that replaced it
            outcome = Outcome(Status.SUPERSEDED, reason="superseded by a later submission")
            _record(outcome, submission)
            return outcome
        if claim.submission is None or claim.message is None:
            raise SubmissionBusyError(f"submission {submission} is being processed elsewhere")
        run = _Attempt(
            claim.submission,
            owner,
            claim.cutoffs,
            claim.unrecorded,
            budget,
            config_revision,
            waiting,
        )
        try:
            return self._run(claim.message, run)
        except Exception as error:
            if isinstance(error, SandboxUnavailableError):
                logger.error("script processes unavailable", reason=error.message)
                metrics.add_metric(name="ScriptProcessFailures", unit=MetricUnit.Count, value=1)
            self._release(message_id, submission, owner, error)
            raise

    def _body_gone(self, message_id: str, submission: int, error: BodyMissingError) -> Outcome:
        """No retry brings a body back: the submission ends FAILED, saying why."""
        reason = f"not run: {error.message}"
        self.messages.settle(message_id, submission, Status.FAILED, reason)
        outcome = Outcome(Status.FAILED, reason=reason)
        _record(outcome, submission)
        return outcome

    def _release(self, message_id: str, submission: int, owner: str, error: Exception) -> None:
        """Give the lease back, saying whether the attempt ran; a release that fails too is
        logged, and the attempt's own error is the one raised."""
        ran = isinstance(error, OutcomeNotWrittenError)
        try:
            self.messages.release_submission(
                message_id, submission, owner, describe_error(error), ran=ran
            )
        except Exception:
            logger.exception("lease not given back", submission=submission)

    def give_up(
        self, message_id: str, submission: int, error: Exception, owner: str | None = None
    ) -> None:
        """The queue's last attempt failed: mark the submission DEAD with the reason, or FAILED
        when scripts could not run at all (an infrastructure failure: nothing to redrive; a
        resubmission runs it once the cause is fixed); unless another delivery than `owner`
        holds it."""
        if isinstance(error, SandboxUnavailableError):
            self.messages.settle(
                message_id, submission, Status.FAILED, describe_error(error), owner
            )
            metrics.add_metric(name="MessagesFailed", unit=MetricUnit.Count, value=1)
            return
        self.messages.settle(message_id, submission, Status.DEAD, describe_error(error), owner)
        metrics.add_metric(name="MessagesDead", unit=MetricUnit.Count, value=1)

    def _run(self, message: Message, attempt: _Attempt) -> Outcome:
        claimed = attempt.claimed
        if attempt.cutoffs >= MAX_CUTOFFS:
            reason = (
                f"not run again: {attempt.cutoffs} earlier attempts ended with neither an "
                "outcome nor a release of their lease (cut off: the runtime was killed or timed "
                "out, or DynamoDB refused both writes); outcome unknown: they may have run "
                "scripts, which are not recorded"
            )
            return self._finish(message, attempt, Outcome(Status.FAILED, reason=reason))
        config = self.config.get(attempt.config_revision)
        deadline = None if attempt.budget is None else time.monotonic() + attempt.budget
        limits = Limits(self.match_timeout, self.function_timeout, deadline)
        try:
            result = process_request(
                message,
                message.id,
                claimed.submission,
                config,
                self._props,
                limits,
                partial(self._first_delivery, message, claimed.mode),
                self.toolkit,
                attempt.waiting,
            )
        except UpstreamError:
            raise
        except Exception as error:  # parsing, recursion...: retrying cannot help
            logger.exception("processing error", submission=claimed.submission)
            reason = f"processing error: {describe_error(error)}"
            return self._finish(message, attempt, Outcome(Status.FAILED, reason=reason))
        claimed.evaluations = result.evaluations
        outcome = Outcome(
            result.status,
            result.provider,
            result.summary,
            result.executions,
            reason=_joined(
                _provider_gone(message, claimed.mode, result.status, config), result.reason
            ),
            duplicate_of=result.duplicate_of,
            answer=result.answer,
        )
        return self._finish(message, attempt, outcome)

    def _first_delivery(self, message: Message, mode: Mode, provider: Provider) -> str | None:
        """The message this one repeats, for a provider that deduplicates; an operator's
        resubmission always runs."""
        rule = provider.deduplicate
        delivery = None if rule is None or mode is Mode.RESUBMIT else delivery_id(rule, message)
        if rule is None or delivery is None:
            return None
        try:
            first = self.messages.first_delivery(
                provider.id, delivery, message.id, rule.window_hours
            )
        except Exception as error:
            raise UpstreamError(f"delivery ids: {error}") from error
        return None if first == message.id else first

    def _props(self, provider: Provider) -> Mapping[str, str]:
        try:
            return resolve_props(provider, self.secrets)
        except Exception as error:
            raise UpstreamError(f"secrets of provider {provider.name}: {error}") from error

    def _finish(self, message: Message, attempt: _Attempt, outcome: Outcome) -> Outcome:
        claimed = attempt.claimed
        claimed.status, claimed.finished_at = outcome.status, datetime.now(UTC)
        claimed.reason = _joined(outcome.reason, _unrecorded_runs(attempt.unrecorded))
        try:
            self.messages.finish_submission(message, claimed, outcome, attempt.owner)
        except Exception as error:
            raise OutcomeNotWrittenError(
                f"the outcome could not be written: {describe_error(error)}"
            ) from error
        _record(outcome, claimed.submission)
        return outcome


def _provider_gone(
    message: Message, mode: Mode, status: Status, config: RuntimeConfig
) -> str | None:
    """Why a resubmission matched nothing, when the provider that handled it is gone."""
    if mode is not Mode.RESUBMIT or status is not Status.UNMATCHED or not message.provider:
        return None
    if any(active.provider.name == message.provider for active in config.providers):
        return None
    return (
        f"provider {message.provider}, which handled this message before, is no longer active "
        "(deleted, renamed or made inactive)"
    )


def new_owner() -> str:
    """A delivery's lease token."""
    return secrets.token_hex(8)


def _unrecorded_runs(count: int) -> str | None:
    """What the record says of earlier runs whose outcome could not be written."""
    if not count:
        return None
    runs = "run" if count == 1 else "runs"
    return (
        f"ran {count + 1} times: the outcome of {count} earlier {runs} could not be written "
        "(its executions are not recorded)"
    )


def _joined(*parts: str | None) -> str | None:
    return "; ".join(part for part in parts if part) or None


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
        reason=outcome.reason,
    )
