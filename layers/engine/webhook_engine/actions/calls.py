"""The engine's side of a function's `http`, `aws` and `respond` calls: limits and records.

One `ExecutionCalls` per function run answers the worker's `call` frames. It counts them
against MAX_CALLS (recording the first refusal past it, not every one), gives each outbound
call what is left of the run's time, performs it (or, in a dry run, only describes it) and
records it with the execution: what was called (method and URL without query string; the
AWS action and its target), how it ended, the status and the milliseconds, never headers or
bodies. Secret values are masked in what it records before anything is cut.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Literal, Protocol

from pydantic import JsonValue

from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.actions.facades import ScriptAws
from webhook_engine.actions.respond import recorded, sync_answer
from webhook_engine.domain.clipping import clip
from webhook_engine.domain.models import ActionOutcome, ActionRecord, LogEntry, SyncAnswer
from webhook_engine.observability import logger

MAX_CALLS = 20  # toolkit calls (http, aws, respond) of one execution
MAX_CALL_LINE = 500  # characters of a call's one-line description kept on record
_MARGIN = 0.05  # seconds kept back from a call's timeout, for the reply to reach the script
Kind = Literal["http", "aws"]
Call = Callable[[dict[str, JsonValue]], JsonValue]
Redact = Callable[[str], str]  # masks the secret values of the run's provider


@dataclass(frozen=True)
class Performed:
    """What a performed call gives the script, and what its record shows."""

    value: JsonValue
    status: int | None = None


class Performer(Protocol):
    """Does the calls of one kind (`http`, `aws.<action>`) for scripts."""

    def describe(self, target: str, args: Mapping[str, JsonValue]) -> str:
        """The call in one line (no query string, header or body); ActionError if invalid."""
        ...

    def perform(self, target: str, args: Mapping[str, JsonValue], timeout: float) -> Performed: ...

    def dry_value(self, target: str, args: Mapping[str, JsonValue]) -> JsonValue:
        """What a dry run gives the script instead of performing the call."""
        ...


@dataclass
class Answer:
    """A submission's synchronous answer: the first `respond`, when a sender waits for it, and
    the hosts its `Location` may name (the provider's `redirect_hosts`)."""

    waiting: bool
    redirect_hosts: tuple[str, ...] = ()
    value: SyncAnswer | None = None
    function: str | None = None  # the function whose `respond` set it


@dataclass(frozen=True)
class Toolkit:
    """What function scripts' calls reach: performers by kind, performed or only described."""

    performers: Mapping[Kind, Performer]
    dry_run: bool = False

    def calls(
        self, function: str, deadline: float, answer: Answer, redact: Redact | None = None
    ) -> ExecutionCalls:
        """The calls of one run of `function`, which must end by `deadline` (monotonic); what
        is recorded of them is masked with `redact`."""
        return ExecutionCalls(self, function, deadline, answer, redact or _as_is)


@dataclass
class ExecutionCalls:
    toolkit: Toolkit
    function: str
    deadline: float
    answer: Answer
    redact: Redact
    records: list[ActionRecord] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)
    response: SyncAnswer | None = None  # set when this run's `respond` became the answer

    def handlers(self) -> dict[str, Call]:
        """The worker's call targets and what answers each."""
        handlers: dict[str, Call] = {
            f"aws.{action}": partial(self._outbound, "aws", f"aws.{action}")
            for action in ScriptAws.script_attributes
        }
        handlers["http"] = partial(self._outbound, "http", "http")
        handlers["respond"] = self._respond
        return handlers

    def _outbound(self, kind: Kind, target: str, args: dict[str, JsonValue]) -> JsonValue:
        started, at = time.perf_counter(), datetime.now(UTC)
        performer = self.toolkit.performers.get(kind)
        call = target
        try:
            self._count(target)
            if performer is None:
                raise ActionRefused(f"{target} is not available here")
            call = performer.describe(target, args)
            if self.toolkit.dry_run:
                self._record(kind, call, ActionOutcome.WOULD_CALL, at, started)
                return performer.dry_value(target, args)
            done = performer.perform(target, args, self._time_left(target))
        except ActionError as error:
            self._record(kind, call, _outcome_of(error), at, started, detail=str(error))
            raise
        except Exception as error:  # a performer's own bug: the script learns only that
            logger.exception("toolkit call failed", call=target)
            failure = ActionError(f"{target} failed ({type(error).__name__})")
            self._record(kind, call, ActionOutcome.FAILED, at, started, detail=str(failure))
            raise failure from None
        self._record(kind, call, ActionOutcome.DONE, at, started, status=done.status)
        return done.value

    def _respond(self, args: dict[str, JsonValue]) -> JsonValue:
        at, started = datetime.now(UTC), time.perf_counter()
        try:
            self._count("respond")
            answer = sync_answer(args, self.answer.redirect_hosts)
        except ActionError as error:
            self._record("respond", "respond", _outcome_of(error), at, started, str(error))
            raise
        call = "respond"
        if self.answer.value is not None or not self.answer.waiting:
            reason = (
                f"the answer was already set by {self.answer.function}"
                if self.answer.value is not None
                else "asynchronous: no sender waits for an answer"
            )
            outcome = ActionOutcome.IGNORED
            self._record("respond", call, outcome, at, started, reason, answer.status)
            return False
        self.answer.value, self.answer.function = answer, self.function
        self.response = recorded(answer, self.redact)
        outcome = ActionOutcome.WOULD_CALL if self.toolkit.dry_run else ActionOutcome.DONE
        self._record("respond", call, outcome, at, started, status=answer.status)
        return True

    def _count(self, target: str) -> None:
        if len(self.records) >= MAX_CALLS:
            raise ActionLimitError(
                f"{target}: more than {MAX_CALLS} http, aws and respond calls in one execution "
                "(limit)"
            )

    def _time_left(self, target: str) -> float:
        left = self.deadline - time.monotonic() - _MARGIN
        if left <= 0:
            raise ActionLimitError(f"{target}: no time left in the script's time limit")
        return left

    def _record(
        self,
        kind: Literal["http", "aws", "respond"],
        call: str,
        outcome: ActionOutcome,
        at: datetime,
        started: float,
        detail: str | None = None,
        status: int | None = None,
    ) -> None:
        if len(self.records) > MAX_CALLS:
            return  # the first call past the limit is on record; the rest only raise
        duration = round((time.perf_counter() - started) * 1000, 3)
        record = ActionRecord(
            kind=kind,
            call=clip(self.redact(call), MAX_CALL_LINE),
            outcome=outcome,
            status=status,
            detail=None if detail is None else self.redact(detail),  # cut by the model
            duration_ms=duration,
            at=at,
        )
        self.records.append(record)
        self.logs.append(_log_line(record))


def _as_is(text: str) -> str:
    return text


def _outcome_of(error: ActionError) -> ActionOutcome:
    """`refused` for a rule or a limit, `failed` for the rest."""
    refused = isinstance(error, ActionRefused | ActionLimitError)
    return ActionOutcome.REFUSED if refused else ActionOutcome.FAILED


def _log_line(record: ActionRecord) -> LogEntry:
    """E.g. `http GET https://api.example.com/v1/builds: done 201 in 84.2 ms`."""
    kind = "" if record.kind == "respond" else f"{record.kind} "
    status = f" {record.status}" if record.status is not None else ""
    text = f"{kind}{record.call}: {record.outcome.value}{status} in {record.duration_ms:g} ms"
    if record.detail:
        text += f" ({record.detail})"
    level = "INFO" if record.outcome in _QUIET else "WARNING"
    return LogEntry(level=level, message=text, at=record.at)


_QUIET = frozenset({ActionOutcome.DONE, ActionOutcome.WOULD_CALL, ActionOutcome.IGNORED})
