"""Matching: providers in order until one matches, then every active function for the URI."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from tests.unit.builders import function, plain, provider, request, secret
from webhook_engine.config.snapshot import RuntimeConfig
from webhook_engine.domain.models import ExecutionStatus, Function, Provider, Status
from webhook_engine.pipeline import matching
from webhook_engine.pipeline.matching import Limits, Result, process_request
from webhook_engine.pipeline.reasons import NAMED_AT_MOST

LIMITS = Limits(match_timeout=2.0, function_timeout=5.0)
NO_MATCH = "return False"


class Props:
    """The props loader: each provider's plain properties, and which providers it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, owner: Provider) -> dict[str, str]:
        self.asked.append(owner.name)
        return {name: prop.value or "" for name, prop in owner.properties.items()}


def match(
    *items: Provider | Function, uri: str = "hook", limits: Limits = LIMITS, props=None
) -> Result:
    """Process a request for `uri` against the providers and functions given."""
    providers = [item for item in items if isinstance(item, Provider)]
    functions = [item for item in items if isinstance(item, Function)]
    config = RuntimeConfig.build(providers, functions)
    return process_request(request(uri), "m-1", 3, config, props or Props(), limits)


def evaluated(result: Result) -> list[tuple[str, bool]]:
    return [(e.provider, e.matched) for e in result.evaluations]


def ran(result: Result) -> list[str]:
    return [e.function for e in result.executions]


FIRST = provider("First", match_script="return True", position=0)
SECOND = provider("Second", match_script="return True", position=1)


def test_first_matching_provider_wins_and_later_ones_are_not_evaluated():
    # Given two providers that both match, each with a function on the URI
    props = Props()

    # When
    result = match(FIRST, SECOND, function(FIRST, "a"), function(SECOND, "b"), props=props)

    # Then only the first was evaluated (its props loaded) and only its function ran
    assert evaluated(result) == [("First", True)]
    assert props.asked == ["First"]
    assert (result.status, result.provider, ran(result)) == (Status.SUCCESS, "First", ["a"])


def test_providers_are_evaluated_in_position_order_until_one_matches():
    # Given a first provider that refuses and a second that matches
    refusing = provider("First", match_script=NO_MATCH, position=0)
    later = provider("Third", match_script="return True", position=2)

    # When
    result = match(later, SECOND, refusing, function(SECOND, "b"))

    # Then
    assert evaluated(result) == [("First", False), ("Second", True)]
    assert result.provider == "Second"


def test_inactive_provider_is_skipped():
    # Given a first provider that would match but is switched off
    off = provider("Off", match_script="return True", position=0, active=False)

    # When
    result = match(off, SECOND, function(off, "a"), function(SECOND, "b"))

    # Then
    assert evaluated(result) == [("Second", True)]
    assert ran(result) == ["b"]


def test_every_active_function_for_the_uri_runs():
    # Given functions on the URI (two active, one off) and one on another URI
    functions = [
        function(FIRST, "a", script='log.info("a ran")', version=4),
        function(FIRST, "b"),
        function(FIRST, "off", active=False),
        function(FIRST, "other", uri="elsewhere"),
    ]

    # When
    result = match(FIRST, *functions)

    # Then
    assert result.status is Status.SUCCESS
    assert sorted(ran(result)) == ["a", "b"]
    first = next(e for e in result.executions if e.function == "a")
    assert (first.function_id, first.submission, first.script_version) == ("f-First-a", 3, 4)
    assert [entry.message for entry in first.logs] == ["a ran"]


def test_a_failed_function_fails_the_message_naming_its_line_and_the_others_still_run():
    # Given one function that raises on its second line and one that works
    broken = function(FIRST, "broken", script="x = 1\nreturn payload['missing']")

    # When
    result = match(FIRST, broken, function(FIRST, "fine"))

    # Then
    executions = {e.function: e for e in result.executions}
    assert result.status is Status.FAILED
    assert executions["broken"].status is ExecutionStatus.FAILED
    assert executions["broken"].error_line == 2
    assert "KeyError" in (executions["broken"].error or "")
    assert executions["fine"].status is ExecutionStatus.SUCCESS


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("while True:\n    pass", "ScriptTimeoutError"),
        ("import os\nos.system('id')", "ImportError"),
    ],
    ids=["runs past its time limit", "escapes the sandbox"],
)
def test_a_function_stopped_by_the_sandbox_fails_that_execution_only(script, error):
    # Given a function the sandbox stops (after a 0.3 s limit) and one that works
    limits = Limits(match_timeout=2.0, function_timeout=0.3)
    quick = function(FIRST, "quick", script='log.info("still ran")')

    # When
    result = match(FIRST, function(FIRST, "bad", script=script), quick, limits=limits)

    # Then
    executions = {e.function: e for e in result.executions}
    assert result.status is Status.FAILED
    assert (executions["bad"].error or "").startswith(error)
    assert executions["quick"].status is ExecutionStatus.SUCCESS


def test_no_provider_matching_is_unmatched():
    # Given providers that all refuse
    refusing = provider("Refusing", match_script=NO_MATCH)

    # When
    result = match(refusing, function(refusing, "a"))

    # Then
    assert (result.status, result.provider, result.executions) == (Status.UNMATCHED, None, [])
    assert evaluated(result) == [("Refusing", False)]


def test_a_matched_provider_without_a_function_for_the_uri_is_unmatched():
    # Given a matching provider whose only function is on another URI
    # When
    result = match(FIRST, function(FIRST, "a", uri="other"))

    # Then
    assert (result.status, result.provider, result.executions) == (Status.UNMATCHED, "First", [])


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("return payload['nope']", "KeyError"),
        ("import os", "ImportError"),
        ("return ((", "SyntaxError"),
    ],
    ids=["raises", "refused by the sandbox", "does not compile"],
)
def test_a_failing_match_script_is_recorded_and_the_next_provider_is_tried(script, error):
    # Given a first provider whose match script fails
    failing = provider("Failing", match_script=script, position=0)

    # When
    result = match(failing, SECOND, function(SECOND, "b"))

    # Then the failure is on its evaluation, and the second provider matched
    assert evaluated(result) == [("Failing", False), ("Second", True)]
    assert (result.evaluations[0].error or "").startswith(error)
    assert result.provider == "Second"


def test_match_scripts_see_the_providers_props_and_log():
    # Given a provider that matches on a property and logs
    keyed = provider(
        "Keyed",
        match_script='log.info("checking")\nreturn props["ORG"] == "acme"',
        properties={"ORG": plain("acme")},
        version=7,
    )

    # When
    result = match(keyed, function(keyed, "a"))

    # Then
    (evaluation,) = result.evaluations
    assert evaluation.matched is True
    assert evaluation.script_version == 7
    assert [entry.message for entry in evaluation.logs] == ["checking"]


def test_the_summary_comes_from_log_set_message():
    # Given two functions, only the first of which sets the summary
    functions = [
        function(FIRST, "a", script='log.set_message("deployed main")'),
        function(FIRST, "b", script='log.info("no summary")'),
    ]

    # When
    result = match(FIRST, *functions)

    # Then
    assert result.summary == "deployed main"


def test_without_a_summary_there_is_none():
    # Given a function that logs but sets no summary
    # When
    result = match(FIRST, function(FIRST, "a", script='log.info("x")'))

    # Then
    assert result.summary is None


class Clock:
    """time.monotonic for matching: each reading returns the next of `readings`."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def __call__(self) -> float:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


@pytest.fixture
def clock(monkeypatch):
    """Replace the clock that matching reads deadlines from (scripts keep the real one)."""

    def install(*readings: float) -> None:
        fake = SimpleNamespace(monotonic=Clock(*readings), perf_counter=time.perf_counter)
        monkeypatch.setattr(matching, "time", fake)

    return install


def test_no_time_left_fails_the_match_without_running_it(clock):
    # Given a deadline already passed
    clock(100.0)
    limits = Limits(match_timeout=2.0, function_timeout=5.0, deadline=99.0)

    # When
    result = match(FIRST, function(FIRST, "a"), limits=limits)

    # Then
    (evaluation,) = result.evaluations
    assert "no time left" in (evaluation.error or "")
    assert (result.status, result.executions) == (Status.UNMATCHED, [])


def test_functions_after_the_deadline_fail_with_no_time_left(clock):
    # Given a deadline that passes after the match script ran
    clock(0.0, 100.0)
    limits = Limits(match_timeout=2.0, function_timeout=5.0, deadline=10.0)

    # When
    result = match(FIRST, function(FIRST, "a"), limits=limits)

    # Then the provider matched and its function failed for lack of time
    (execution,) = result.executions
    assert result.provider == "First"
    assert result.status is Status.FAILED
    assert "no time left" in (execution.error or "")


@pytest.mark.parametrize(
    ("deadline", "now", "expected"),
    [(None, 0.0, 2.0), (100.0, 0.0, 2.0), (100.0, 99.5, 0.5), (100.0, 101.0, -1.0)],
    ids=["no deadline", "far deadline", "deadline caps", "deadline passed"],
)
def test_limits_timeout_is_the_limit_capped_by_the_deadline(clock, deadline, now, expected):
    # Given
    clock(now)
    limits = Limits(match_timeout=2.0, function_timeout=5.0, deadline=deadline)

    # When / Then
    assert limits.timeout(2.0) == expected


def test_an_unmatched_message_says_what_each_provider_tried_answered():
    # Given one provider of each way of not matching: a failed verify check, a reason of the
    # script's own, a bare False, an error, and a secret the script logs
    providers = [
        provider("GitHub", match_script="return verify.github(props['S'])", position=0),
        provider("Own", match_script="log.info('no X-Own header')\nreturn False", position=1),
        provider("Bare", match_script=NO_MATCH, position=2),
        provider("Broken", match_script="return payload['nope']", position=3),
        provider(
            "Leaky",
            match_script="log.info('compared with ' + props['S'])\nreturn False",
            position=4,
            properties={"S": secret("s3cr3t-value")},
        ),
    ]
    providers[0].properties["S"] = secret("s3cr3t-value")

    # When a request none of them takes is processed
    result = match(*providers)

    # Then the reason names each provider tried and its answer, and no secret
    assert result.status is Status.UNMATCHED
    assert result.reason is not None
    parts = result.reason.removeprefix("no provider matched: ").split("; ")
    assert parts[:4] == [
        "GitHub: verify.github: X-Hub-Signature-256 missing",
        "Own: no X-Own header",
        "Bare: match script returned a false value",
        "Broken: KeyError: 'nope' (line 1)",
    ]
    assert parts[4].startswith("Leaky: compared with ")
    assert "s3cr3t" not in result.reason


def test_a_matched_provider_without_a_function_says_so_in_its_reason():
    # When a request reaches a URI the matching provider has no function for
    result = match(FIRST, function(FIRST, "a", uri="other"))

    # Then
    assert result.reason == "First matched, but has no active function for URI hook"


def test_a_failed_message_names_its_failed_functions_and_their_errors():
    # Given two functions of which one fails
    failing = function(FIRST, "broken", script="x = payload['ref']")

    # When
    result = match(FIRST, failing, function(FIRST, "fine"))

    # Then
    assert result.status is Status.FAILED
    assert result.reason == "failed: broken: KeyError: 'ref' (line 1)"


def test_a_reason_names_a_bounded_number_of_providers():
    # Given more refusing providers than a reason names
    many = [provider(f"p{n}", match_script=NO_MATCH, position=n) for n in range(NAMED_AT_MOST + 5)]

    # When
    result = match(*many)

    # Then the first ones are named, the rest counted
    assert result.reason is not None
    assert result.reason.endswith("; and 5 more")
    assert result.reason.count("match script returned a false value") == NAMED_AT_MOST


def test_a_successful_message_has_no_reason():
    # When
    result = match(FIRST, function(FIRST, "a"))

    # Then
    assert (result.status, result.reason) == (Status.SUCCESS, None)
