"""template.yaml's Rules refuse the parameters that would deploy a broken stack.

CloudFormation checks Rules before it creates anything; moto ignores them. So this test
evaluates the rule functions the template uses, on parameter values as CloudFormation hands
them to Rules (strings); a function it does not know fails the test rather than being guessed.
`sam validate --lint` (cfn-lint) checks that the Rules are well formed."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from webhooks_testbed.template import load_template


def refusals(overrides: Mapping[str, int | str]) -> list[str]:
    """The names of the rules that refuse these parameters (the others at their defaults)."""
    template = load_template()
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    values |= {name: str(value) for name, value in overrides.items()}
    return [
        name
        for name, rule in template.get("Rules", {}).items()
        if _evaluate(rule.get("RuleCondition", True), values)
        and not all(_evaluate(a["Assert"], values) for a in rule["Assertions"])
    ]


_FUNCTIONS: dict[str, Callable[[Any, Callable[[Any], Any]], Any]] = {
    "Fn::Equals": lambda args, ev: ev(args[0]) == ev(args[1]),
    "Fn::Not": lambda args, ev: not ev(args[0]),
}


def _evaluate(expression: Any, values: Mapping[str, str]) -> Any:
    def evaluate(node: Any) -> Any:
        if isinstance(node, dict):
            [(function, args)] = node.items()
            if function == "Ref":
                return values[args]
            assert function in _FUNCTIONS, f"a rule function this test does not know: {function}"
            return _FUNCTIONS[function](args, evaluate)
        return node if isinstance(node, bool) else str(node)

    return evaluate(expression)


def test_the_default_parameters_pass_every_rule() -> None:
    # When / Then
    assert load_template()["Rules"]
    assert refusals({}) == []


def test_a_queue_cap_the_sqs_event_source_refuses_is_refused() -> None:
    # When / Then (the event source's MaximumConcurrency takes 2 to 1000; the parameter's own
    # MinValue and MaxValue keep out the rest)
    assert refusals({"ProcessMaximumConcurrency": 1}) == ["ProcessMaximumConcurrencyInRange"]


COUNTS = [0, 1, 2, 10, 11, 1000]


@pytest.mark.parametrize(("reserved", "maximum"), list(itertools.product(COUNTS, COUNTS)))
def test_what_the_rules_accept_deploys_and_never_throttles_the_queue(
    reserved: int, maximum: int
) -> None:
    # When
    accepted = not refusals(
        {"ProcessReservedConcurrency": reserved, "ProcessMaximumConcurrency": maximum}
    )

    # Then an accepted cap is one the event source takes, and under a reservation the queue
    # starts no more functions than are reserved (Lambda would throttle the others' records
    # into the dead-letter queue); a refused one is broken, or reserves more than it uses
    deploys = maximum == 0 or 2 <= maximum <= 1000
    throttles = reserved > 0 and (maximum == 0 or maximum > reserved)
    if accepted:
        assert deploys
        assert not throttles
    else:
        assert not deploys or throttles or reserved > maximum


@pytest.mark.parametrize(
    ("reserved", "maximum"),
    [(10, 11), (10, 0), (2, 1000)],
    ids=["cap above the reservation", "no cap", "far above"],
)
def test_a_reservation_below_the_queues_cap_is_refused(reserved: int, maximum: int) -> None:
    # When / Then
    assert refusals(
        {"ProcessReservedConcurrency": reserved, "ProcessMaximumConcurrency": maximum}
    ) == ["ProcessReservationEqualsTheQueuesCap"]
