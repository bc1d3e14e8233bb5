"""Why a submission did not succeed, in one line for its record and the message list: the
reason each provider tried gave for not matching, or the functions that failed and their errors.
Built from what the scripts' outcomes already hold, which are redacted of the providers'
secrets before they get here."""

from __future__ import annotations

from collections.abc import Sequence

from webhook_engine.domain.clipping import clip
from webhook_engine.domain.models import Evaluation, Execution, ExecutionStatus, Status

REASON_LENGTH = 2_000  # a reason is a line of a list, not a log: the record keeps the rest
NAMED_AT_MOST = 10  # providers or functions a reason names, then how many more


def reason(
    status: Status,
    provider: str | None,
    uri: str,
    evaluations: Sequence[Evaluation],
    executions: Sequence[Execution],
) -> str | None:
    """Why `status` is not SUCCESS, or None when there is nothing to explain."""
    if status is Status.FAILED:
        failed = [e for e in executions if e.status is ExecutionStatus.FAILED]
        return _listed("failed", [f"{e.function}: {e.error}" for e in failed])
    if status is not Status.UNMATCHED:
        return None
    if provider is not None:
        return f"{provider} matched, but has no active function for URI {uri}"
    if not evaluations:
        return "no provider matched: no provider is active"
    return _listed("no provider matched", [f"{e.provider}: {_said(e)}" for e in evaluations])


def _said(evaluation: Evaluation) -> str:
    """What a match script gave as its reason: its error, else its last log line (a failed
    `verify` check writes one), else that it returned a false value."""
    if evaluation.error:
        return evaluation.error
    if evaluation.logs:
        return evaluation.logs[-1].message
    return "match script returned a false value"


def _listed(what: str, parts: list[str]) -> str:
    shown = parts[:NAMED_AT_MOST]
    more = f"; and {len(parts) - len(shown)} more" if len(parts) > len(shown) else ""
    return clip(f"{what}: " + "; ".join(shown) + more, REASON_LENGTH)
