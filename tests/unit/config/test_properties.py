"""The property plan: one rule set for what a provider keeps and what goes to the secret store."""

from __future__ import annotations

import pytest

from tests.fakes import FakeSecretStore
from tests.unit.builders import plain, secret
from webhook_engine.config.properties import PropertyPlan, forget_secrets, plan_properties
from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import Property

HIDDEN = Property(secret=True)  # how a provider item keeps a secret: no value

# current properties, wanted properties, stored secret values -> kept, put, removed
RULES = {
    "non-secret is kept with its value": (
        {},
        {"ORG": plain("acme")},
        {},
        {"ORG": plain("acme")},
        {},
        [],
    ),
    "non-secret without a value is kept as empty text": (
        {},
        {"ORG": Property()},
        {},
        {"ORG": plain("")},
        {},
        [],
    ),
    "new secret with a value is kept without it and put": (
        {},
        {"KEY": secret("k3y")},
        {},
        {"KEY": HIDDEN},
        {"KEY": "k3y"},
        [],
    ),
    "existing secret without a value keeps the stored one": (
        {"KEY": HIDDEN},
        {"KEY": secret()},
        {"KEY": "k3y"},
        {"KEY": HIDDEN},
        {},
        [],
    ),
    "secret equal to the stored value is not rewritten": (
        {"KEY": HIDDEN},
        {"KEY": secret("k3y")},
        {"KEY": "k3y"},
        {"KEY": HIDDEN},
        {},
        [],
    ),
    "secret with a new value is put": (
        {"KEY": HIDDEN},
        {"KEY": secret("n3w")},
        {"KEY": "k3y"},
        {"KEY": HIDDEN},
        {"KEY": "n3w"},
        [],
    ),
    "dropped secret is removed": (
        {"KEY": HIDDEN, "ORG": plain("acme")},
        {"ORG": plain("acme")},
        {"KEY": "k3y"},
        {"ORG": plain("acme")},
        {},
        ["KEY"],
    ),
    "secret turned non-secret is removed from the secret store": (
        {"KEY": HIDDEN},
        {"KEY": plain("visible")},
        {"KEY": "k3y"},
        {"KEY": plain("visible")},
        {},
        ["KEY"],
    ),
    "dropped non-secret has nothing to remove": (
        {"ORG": plain("acme")},
        {},
        {},
        {},
        {},
        [],
    ),
    "non-secret turned secret with a value is put": (
        {"ORG": plain("acme")},
        {"ORG": secret("hidden")},
        {},
        {"ORG": HIDDEN},
        {"ORG": "hidden"},
        [],
    ),
}


@pytest.mark.parametrize(
    ("current", "wanted", "stored", "kept", "put", "removed"), RULES.values(), ids=RULES
)
def test_property_plan(current, wanted, stored, kept, put, removed):
    # Given the stored properties and secret values, and the properties asked for
    # When
    plan = plan_properties(current, wanted, stored)

    # Then
    assert (plan.kept, plan.put, plan.removed) == (kept, put, removed)
    assert plan.secrets_changed is bool(put or removed)


@pytest.mark.parametrize(
    "current",
    [{}, {"KEY": plain("was visible")}],
    ids=["new property", "non-secret turned secret"],
)
def test_new_secret_without_a_value_is_refused_naming_it(current):
    # Given a secret the store has no value for
    wanted = {"ORG": plain("acme"), "KEY": secret()}

    # When / Then
    with pytest.raises(InvalidRequestError, match=r"^properties\.KEY: ") as refused:
        plan_properties(current, wanted, {})
    assert refused.value.status == 400


def test_plan_apply_puts_then_removes_secret_values():
    # Given a store holding two secrets of a provider
    secrets = FakeSecretStore()
    secrets.put_secret("p1", "OLD", "o")
    secrets.put_secret("p1", "KEEP", "k")
    plan = PropertyPlan(put={"NEW": "n"}, removed=["OLD"])

    # When
    plan.apply("p1", secrets)

    # Then
    assert secrets.values == {"p1": {"KEEP": "k", "NEW": "n"}}


def test_forget_secrets_deletes_every_secret_value_and_nothing_else():
    # Given a provider with a secret and a plain property, and another provider's secret
    secrets = FakeSecretStore()
    secrets.put_secret("p1", "KEY", "k3y")
    secrets.put_secret("p2", "KEY", "other")
    properties = {"KEY": HIDDEN, "ORG": plain("acme")}

    # When
    forget_secrets(properties, "p1", secrets)

    # Then
    assert secrets.values == {"p2": {"KEY": "other"}}
