"""Match a request to a provider, then run that provider's functions for its URI."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

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
)
from webhook_engine.observability import logger
from webhook_engine.sandbox import ScriptCompileError, ScriptError, compile_script, run_script
from webhook_engine.sandbox.names import LogBook, RequestData, ScriptLog, script_names

PropsLoader = Callable[[Provider], Mapping[str, str]]
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


@dataclass
class _Run:
    log: LogBook
    started_at: datetime
    ok: bool = False
    value: object = None
    duration_ms: float = 0.0
    error: str | None = None
    error_line: int | None = None


def _names(
    request: IncomingRequest, message_id: str, props: Mapping[str, str], book: LogBook
) -> dict[str, object]:
    data = RequestData(
        message_id=message_id,
        method=request.method,
        uri=request.uri,
        query_string=request.query_string,
        headers=request.headers,
        body=request.body,
        source_ip=request.source_ip,
        received_at=request.received_at,
    )
    return script_names(data, props, ScriptLog(book))


def _entries(book: LogBook) -> list[LogEntry]:
    return [LogEntry.model_validate(entry) for entry in book.finish()]


def _run(
    source: str, name: str, names: Callable[[LogBook], dict[str, object]], timeout: float
) -> _Run:
    """Compile (cached) and run one script; its failures become the run's error."""
    run = _Run(log=LogBook(), started_at=datetime.now(UTC))
    start = time.perf_counter()
    try:
        if timeout <= 0:
            run.error = "ScriptTimeoutError: no time left in the submission's budget"
        else:
            script, book = compile_script(source, name), run.log
            printed = partial(book.add, "INFO")
            run.value = run_script(script, names(book), timeout, printed)
            run.ok = True
    except ScriptCompileError as error:
        run.error, run.error_line = f"SyntaxError: {error.message}", error.line
    except ScriptError as error:
        run.error, run.error_line = error.message, error.line
    run.duration_ms = round((time.perf_counter() - start) * 1000, 3)
    return run


def process_request(
    request: IncomingRequest,
    message_id: str,
    submission: int,
    config: RuntimeConfig,
    props_of: PropsLoader,
    limits: Limits,
    duplicate_of: DuplicateCheck = lambda _: None,
) -> Result:
    """Evaluate match scripts in order; run every active function of the first match,
    unless the delivery repeats one already stored."""
    result = Result(status=Status.UNMATCHED)
    for active in config.providers:
        provider = active.provider
        props = props_of(provider)
        names = partial(_names, request, message_id, props)
        run = _run(
            provider.match_script,
            f"provider:{provider.name}",
            names,
            limits.timeout(limits.match_timeout),
        )
        matched = run.ok and bool(run.value)
        result.evaluations.append(
            Evaluation(
                provider=provider.name,
                matched=matched,
                duration_ms=run.duration_ms,
                error=run.error,
                logs=_entries(run.log),
                script_version=provider.version,
            )
        )
        if run.error:
            logger.warning("match script failed", provider=provider.name, error=run.error)
        if matched:
            result.provider = provider.name
            result.duplicate_of = duplicate_of(provider)
            if result.duplicate_of:
                result.status = Status.DUPLICATE
            else:
                functions = active.functions_for(request.uri)
                _run_functions(result, functions, names, submission, limits)
            break
    return result


def _run_functions(
    result: Result,
    functions: list[Function],
    names: Callable[[LogBook], dict[str, object]],
    submission: int,
    limits: Limits,
) -> None:
    for function in functions:
        run = _run(
            function.script,
            f"function:{function.name}",
            names,
            limits.timeout(limits.function_timeout),
        )
        result.executions.append(
            Execution(
                function=function.name,
                function_id=function.id,
                status=ExecutionStatus.SUCCESS if run.ok else ExecutionStatus.FAILED,
                submission=submission,
                started_at=run.started_at,
                duration_ms=run.duration_ms,
                logs=_entries(run.log),
                error=run.error,
                error_line=run.error_line,
                script_version=function.version,
            )
        )
        result.summary = run.log.summary or result.summary
    if not result.executions:
        result.status = Status.UNMATCHED
    elif any(e.status is ExecutionStatus.FAILED for e in result.executions):
        result.status = Status.FAILED
    else:
        result.status = Status.SUCCESS
