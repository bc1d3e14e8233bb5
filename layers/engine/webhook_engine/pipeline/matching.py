"""Match a request to a provider, then run that provider's functions for its URI."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Self

from webhook_engine.actions.calls import Answer, Toolkit
from webhook_engine.config.snapshot import RuntimeConfig
from webhook_engine.domain.models import (
    Evaluation,
    Execution,
    ExecutionStatus,
    Function,
    IncomingRequest,
    LogEntry,
    Provider,
    Status,
    SyncAnswer,
)
from webhook_engine.observability import logger
from webhook_engine.pipeline.reasons import reason
from webhook_engine.sandbox.redaction import Redactor
from webhook_engine.sandbox.supervisor import (
    Call,
    Kind,
    ScriptOutcome,
    ScriptProcess,
    ScriptRequest,
    ScriptRun,
    default_sandbox,
    script_request,
)

PropsLoader = Callable[[Provider], Mapping[str, str]]
NO_TOOLKIT = Toolkit({})  # every `http` and `aws` call refused
# After a provider matched: the id of the message this one repeats (same delivery), or None.
DuplicateCheck = Callable[[Provider], str | None]


@dataclass(frozen=True)
class Limits:
    """Per-script time limits and an optional overall deadline (time.monotonic())."""

    match_timeout: float
    function_timeout: float
    deadline: float | None = None

    def timeout(self, limit: float) -> float:
        if self.deadline is None:
            return limit
        return min(limit, self.deadline - time.monotonic())


@dataclass
class Result:
    """What running one submission produced."""

    status: Status
    provider: str | None = None
    summary: str | None = None
    duplicate_of: str | None = None
    evaluations: list[Evaluation] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    answer: SyncAnswer | None = None  # the first `respond`, when the sender waits for it
    reason: str | None = None  # why it did not succeed (reasons.py)


@dataclass
class _Run:
    started_at: datetime
    outcome: ScriptOutcome = field(default_factory=ScriptOutcome)
    duration_ms: float = 0.0

    @property
    def logs(self) -> list[LogEntry]:
        lines = self.outcome.logs
        return [LogEntry(level=line.level, message=line.message, at=line.at) for line in lines]


@dataclass(frozen=True)
class _ProviderScripts:
    """What the scripts of one provider run with for one message: the request, its props, what
    is redacted from their outcomes (the provider's secret values), and a script process of
    their own, which ends with them."""

    request: ScriptRequest
    props: Mapping[str, str]
    redactor: Redactor
    process: ScriptProcess

    @classmethod
    @contextmanager
    def of(
        cls, request: ScriptRequest, provider: Provider, props: Mapping[str, str]
    ) -> Iterator[Self]:
        secrets = [props.get(name, "") for name, p in provider.properties.items() if p.secret]
        with default_sandbox().process() as process:
            yield cls(request, props, Redactor(secrets), process)

    def run(
        self, source: str, name: str, kind: Kind, timeout: float, calls: dict[str, Call]
    ) -> _Run:
        """Run one script in the script worker; its failures become the run's error."""
        run = _Run(started_at=datetime.now(UTC))
        start = time.perf_counter()
        if timeout <= 0:
            run.outcome.error = "ScriptTimeoutError: no time left in the submission's budget"
        else:
            script = ScriptRun(source, name, kind, self.props, timeout)
            outcome = self.process.run(self.request, script, calls)
            run.outcome = self.redactor.outcome(outcome)
        run.duration_ms = round((time.perf_counter() - start) * 1000, 3)
        return run


def _script_request(request: IncomingRequest, message_id: str) -> ScriptRequest:
    return script_request(
        message_id=message_id,
        method=request.method,
        uri=request.uri,
        query_string=request.query_string,
        headers=request.headers,
        body=request.body,
        source_ip=request.source_ip,
        received_at=request.received_at,
    )


def process_request(
    request: IncomingRequest,
    message_id: str,
    submission: int,
    config: RuntimeConfig,
    props_of: PropsLoader,
    limits: Limits,
    duplicate_of: DuplicateCheck = lambda _: None,
    toolkit: Toolkit = NO_TOOLKIT,
    waiting: bool = False,
) -> Result:
    """Evaluate match scripts in order; run every active function of the first match,
    unless the delivery repeats one already stored. Functions act through `toolkit`; their
    first `respond` is the answer when the sender is `waiting` for one."""
    result = Result(status=Status.UNMATCHED)
    sent = _script_request(request, message_id)  # sent once to each provider's process
    for active in config.providers:
        provider = active.provider
        with _ProviderScripts.of(sent, provider, props_of(provider)) as scripts:
            if not _matches(result, scripts, provider, limits):
                continue
            result.provider = provider.name
            result.duplicate_of = duplicate_of(provider)
            if result.duplicate_of:
                result.status = Status.DUPLICATE
            else:
                answer = Answer(waiting, tuple(provider.redirect_hosts))
                functions = active.functions_for(request.uri)
                functions_run = _FunctionRun(scripts, submission, limits, toolkit, answer)
                _run_functions(result, functions, functions_run)
                result.answer = answer.value
            break
    result.reason = reason(
        result.status, result.provider, request.uri, result.evaluations, result.executions
    )
    return result


def _matches(result: Result, scripts: _ProviderScripts, provider: Provider, limits: Limits) -> bool:
    """Run `provider`'s match script, recording its evaluation; whether it matched."""
    run = scripts.run(
        provider.match_script,
        f"provider:{provider.name}",
        "match",
        limits.timeout(limits.match_timeout),
        {},
    )
    result.evaluations.append(
        Evaluation(
            provider=provider.name,
            matched=run.outcome.truthy,
            duration_ms=run.duration_ms,
            error=run.outcome.error,
            logs=run.logs,
            script_version=provider.version,
        )
    )
    if run.outcome.error:
        logger.warning("match script failed", provider=provider.name, error=run.outcome.error)
    return run.outcome.truthy


@dataclass(frozen=True)
class _FunctionRun:
    """What the functions of one submission run with."""

    scripts: _ProviderScripts
    submission: int
    limits: Limits
    toolkit: Toolkit
    answer: Answer

    def execute(self, function: Function) -> tuple[Execution, str | None]:
        """Run one function: its execution, and the summary its script set."""
        timeout = self.limits.timeout(self.limits.function_timeout)
        deadline, redact = time.monotonic() + timeout, self.scripts.redactor.text
        calls = self.toolkit.calls(function.name, deadline, self.answer, redact)
        name = f"function:{function.name}"
        run = self.scripts.run(function.script, name, "function", timeout, calls.handlers())
        execution = Execution(
            function=function.name,
            function_id=function.id,
            status=ExecutionStatus.SUCCESS if run.outcome.ok else ExecutionStatus.FAILED,
            submission=self.submission,
            started_at=run.started_at,
            duration_ms=run.duration_ms,
            logs=sorted([*run.logs, *calls.logs], key=lambda e: e.at),
            error=run.outcome.error,
            error_line=run.outcome.error_line,
            script_version=function.version,
            actions=calls.records,  # masked as they were recorded
            response=calls.response,
        )
        return execution, run.outcome.summary


def _run_functions(result: Result, functions: list[Function], run: _FunctionRun) -> None:
    for function in functions:
        execution, summary = run.execute(function)
        result.executions.append(execution)
        result.summary = summary or result.summary
    if not result.executions:
        result.status = Status.UNMATCHED
    elif any(e.status is ExecutionStatus.FAILED for e in result.executions):
        result.status = Status.FAILED
    else:
        result.status = Status.SUCCESS
