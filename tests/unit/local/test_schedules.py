"""The local scheduler: the template's Schedule events, run at their rate."""

from __future__ import annotations

import threading
import time

import pytest

from webhooks_local.schedules import (
    Schedule,
    Scheduler,
    rate_seconds,
    scheduled_event,
    schedules,
)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(5 minutes)", 300),
        ("rate(1 minute)", 60),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("rate(30 seconds)", 30),
    ],
)
def test_rates_are_read_as_seconds(expression, seconds):
    # Then
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(0 12 * * ? *)", "rate(five minutes)", ""])
def test_other_expressions_are_refused_by_name(expression):
    # Then
    with pytest.raises(ValueError, match="rate"):
        rate_seconds(expression)


def test_the_template_schedules_the_sweeper_every_five_minutes(monkeypatch):
    # Given no override
    monkeypatch.delenv("LOCAL_SCHEDULE_SECONDS", raising=False)

    # Then
    assert schedules() == [Schedule("SweeperFunction", "Every5Minutes", 300.0)]


def test_local_schedule_seconds_overrides_every_rate(monkeypatch):
    # Given
    monkeypatch.setenv("LOCAL_SCHEDULE_SECONDS", "2")

    # Then
    assert [s.every for s in schedules()] == [2.0]


def test_the_event_is_the_one_eventbridge_sends():
    # When
    event = scheduled_event(Schedule("SweeperFunction", "Every5Minutes", 300), "local", "eu-west-1")

    # Then
    assert (event["source"], event["detail-type"], event["region"]) == (
        "aws.events",
        "Scheduled Event",
        "eu-west-1",
    )
    assert event["resources"][0].endswith(":rule/local-SweeperFunctionEvery5Minutes")


def test_the_scheduler_invokes_at_its_rate_until_stopped():
    # Given a schedule every 10 ms that counts its invocations
    ran = threading.Event()
    calls: list[dict] = []

    def invoke(event: dict) -> None:
        calls.append(event)
        if len(calls) == 3:
            ran.set()

    scheduler = Scheduler(Schedule("F", "Tick", 0.01), invoke, lambda: {"tick": True})

    # When it runs until three invocations, then is stopped
    scheduler.start()
    assert ran.wait(5)
    scheduler.stop()
    count = len(calls)
    time.sleep(0.05)

    # Then it invoked with the event, and no more once stopped
    assert calls[0] == {"tick": True}
    assert len(calls) == count
