"""Powertools logger, tracer and metrics shared by every function.

The tracer loads X-Ray's SDK only when tracing is on: with POWERTOOLS_TRACE_DISABLED set, it
traces into a provider that does nothing. When it is on, it patches only what the functions
call out with (botocore, and http.client for scripts' requests), not every library X-Ray
knows: importing all of its patchers cost ~65 ms of each cold start (measured on 2 cores).
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

from webhook_engine.settings import get_settings


class _NoSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None: ...

    def add_subsegment(self, subsegment: Any) -> None: ...

    def remove_subsegment(self, subsegment: Any) -> None: ...

    def put_annotation(self, key: str, value: Any) -> None: ...

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None: ...


class _NoTracing(BaseProvider):
    """The tracer's provider when tracing is off: every segment goes nowhere."""

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AsyncIterator[BaseSegment]:
        yield _NoSegment()

    def put_annotation(self, key: str, value: Any) -> None: ...

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...

    def patch(self, modules: Any) -> None: ...

    def patch_all(self) -> None: ...


TRACED_MODULES = ("botocore", "httplib")


def _tracer() -> Tracer:
    if get_settings().powertools_trace_disabled:
        return Tracer(provider=_NoTracing(), disabled=True)
    return Tracer(patch_modules=TRACED_MODULES)


logger = Logger()
tracer = _tracer()
metrics = Metrics()


def quiet_empty_metrics() -> None:
    """An invocation with nothing to count (most admin calls) is not news: Powertools would
    warn of it on stderr, which the local stack's console and the functions' logs show."""
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


quiet_empty_metrics()


def report_sandbox(protections: dict[str, bool], missing: list[str]) -> None:
    """Once per container: which protections script processes can take here. A missing one
    that the deployment does not require is a warning and a metric (the scripts still run)."""
    lacking = sorted(name for name, held in protections.items() if not held)
    if lacking:
        logger.warning("script processes run without some protections", missing=lacking)
        metrics.add_metric(name="SandboxProtectionsMissing", unit=MetricUnit.Count, value=1)
    if missing:
        logger.error("script processes lack required protections", missing=missing)
