"""The local EventBridge scheduler: invokes functions on their template `Schedule` events.

Reads `rate(N minutes)` (or hours, days, seconds for tests) from each `Schedule` event and
invokes the function with the event EventBridge sends. `LOCAL_SCHEDULE_SECONDS` overrides
every rate, so the sweeper can be watched at work without waiting five minutes.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webhooks_local.workers import InvocationError
from webhooks_testbed import template as cfn

logger = logging.getLogger("webhooks_local.schedules")
_RATE = re.compile(r"^rate\((\d+) (second|minute|hour|day)s?\)$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Schedule:
    """One `Schedule` event of a function."""

    function_id: str
    name: str
    every: float  # seconds


def rate_seconds(expression: str) -> float:
    """Seconds between runs of a `rate(...)` expression; ValueError for anything else."""
    found = _RATE.match(expression.strip())
    if not found:
        raise ValueError(f"only rate(...) schedules run locally, not {expression!r}")
    return int(found[1]) * _UNIT_SECONDS[found[2]]


def schedules(template: dict[str, Any] | None = None) -> list[Schedule]:
    """The template's Schedule events, their rates overridden by LOCAL_SCHEDULE_SECONDS."""
    override = os.environ.get("LOCAL_SCHEDULE_SECONDS")
    found = []
    for function_id in cfn.functions(template):
        for name, event in cfn.function_spec(function_id, template).events.items():
            if event.type == "Schedule":
                every = rate_seconds(str(event.properties["Schedule"]))
                found.append(Schedule(function_id, name, float(override) if override else every))
    return found


def scheduled_event(schedule: Schedule, stack_name: str, region: str) -> dict[str, Any]:
    """The event EventBridge sends for a scheduled rule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": cfn.ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [
            f"arn:aws:events:{region}:{cfn.ACCOUNT_ID}:rule/"
            f"{stack_name}-{schedule.function_id}{schedule.name}"
        ],
        "detail": {},
    }


class Scheduler:
    """One thread per schedule, invoking its function every `every` seconds until stopped."""

    def __init__(
        self,
        schedule: Schedule,
        invoke: Callable[[dict[str, Any]], Any],
        event: Callable[[], dict[str, Any]],
    ) -> None:
        self.schedule = schedule
        self._invoke, self._event = invoke, event
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"schedule-{schedule.function_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.wait(self.schedule.every):
            try:
                result = self._invoke(self._event())
            except InvocationError as error:
                logger.warning("%s failed: %s", self.schedule.function_id, error)
            else:
                logger.info("%s ran: %s", self.schedule.function_id, result)
