"""Applying a configuration document: the plan (diff) and the writes that make the store equal it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.fakes import FakeConfigStore, FakeSecretStore
from tests.unit.builders import plain
from webhook_engine.config.apply import Plan, apply_config
from webhook_engine.config.document import ConfigDocument
from webhook_engine.domain.errors import InvalidRequestError

BASE: dict[str, Any] = {
    "providers": [
        {
            "name": "GitHub",
            "properties": {"KEY": {"value": "k3y", "secret": True}, "ORG": "acme"},
            "match_script": "return True",
            "functions": [{"name": "push", "uri": "git/push", "script": "pass"}],
        },
        {
            "name": "Jira",
            "match_script": "return False",
            "functions": [{"name": "issue", "uri": "jira/issue", "script": "pass"}],
        },
        {"name": "Slack", "match_script": "return False"},
    ]
}


class Config:
    """A configuration store and secret store with BASE applied."""

    def __init__(self) -> None:
        self.store, self.secrets = FakeConfigStore(), FakeSecretStore()
        self.apply(BASE)

    def apply(self, data: dict[str, Any], *, prune: bool = False, dry_run: bool = False) -> Plan:
        document = ConfigDocument.parse(data)
        return apply_config(document, self.store, self.secrets, prune=prune, dry_run=dry_run)

    def provider(self, name: str):
        return next(p for p in self.store.list_providers() if p.name == name)

    def function(self, name: str):
        return next(f for f in self.store.list_functions() if f.name == name)

    def order(self) -> list[str]:
        return [p.name for p in self.store.list_providers()]


@pytest.fixture
def config() -> Config:
    return Config()


def edited(edit) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    edit(data["providers"])
    return data


def changes(plan: Plan) -> list[tuple[str, str, str, list[str]]]:
    return [(c.action, c.kind, c.name, c.fields) for c in plan.changes]


# edit of BASE's providers, prune -> changes, stored provider order afterwards
DIFFS = {
    "unchanged document": (lambda p: None, False, [], ["GitHub", "Jira", "Slack"]),
    "provider created": (
        lambda p: p.append({"name": "Stripe", "match_script": "return False"}),
        False,
        [("create", "provider", "Stripe", [])],
        ["GitHub", "Jira", "Slack", "Stripe"],
    ),
    "provider fields listed": (
        lambda p: p[0].update(description="hooks", active=False),
        False,
        [("update", "provider", "GitHub", ["description", "active"])],
        ["GitHub", "Jira", "Slack"],
    ),
    "provider script": (
        lambda p: p[1].update(match_script="return True"),
        False,
        [("update", "provider", "Jira", ["match_script"])],
        ["GitHub", "Jira", "Slack"],
    ),
    "secret value changed": (
        lambda p: p[0]["properties"].update(KEY={"value": "n3w", "secret": True}),
        False,
        [("update", "provider", "GitHub", ["secrets"])],
        ["GitHub", "Jira", "Slack"],
    ),
    "secret without a value keeps the stored one": (
        lambda p: p[0]["properties"].update(KEY={"secret": True}),
        False,
        [],
        ["GitHub", "Jira", "Slack"],
    ),
    "secret dropped": (
        lambda p: p[0]["properties"].pop("KEY"),
        False,
        [("update", "provider", "GitHub", ["properties", "secrets"])],
        ["GitHub", "Jira", "Slack"],
    ),
    "providers reordered": (
        lambda p: p.reverse(),
        False,
        [("reorder", "provider", "Slack", []), ("reorder", "provider", "GitHub", [])],
        ["Slack", "Jira", "GitHub"],
    ),
    "unlisted provider kept without prune": (
        lambda p: p.pop(2),
        False,
        [],
        ["GitHub", "Jira", "Slack"],
    ),
    "unlisted provider deleted with prune": (
        lambda p: p.pop(2),
        True,
        [("delete", "provider", "Slack", [])],
        ["GitHub", "Jira"],
    ),
    "unlisted providers renumbered after the listed ones": (
        lambda p: p.pop(0),
        False,
        [
            ("reorder", "provider", "Jira", []),
            ("reorder", "provider", "Slack", []),
            ("reorder", "provider", "GitHub", []),
        ],
        ["Jira", "Slack", "GitHub"],
    ),
    "function created": (
        lambda p: p[2].update(functions=[{"name": "cmd", "uri": "slack/cmd", "script": "pass"}]),
        False,
        [("create", "function", "cmd", [])],
        ["GitHub", "Jira", "Slack"],
    ),
    "function fields listed": (
        lambda p: p[0]["functions"][0].update(uri="git/tag", description="tags"),
        False,
        [("update", "function", "push", ["uri", "description"])],
        ["GitHub", "Jira", "Slack"],
    ),
    "function uri spelled otherwise is unchanged": (
        lambda p: p[0]["functions"][0].update(uri="/git//push/"),
        False,
        [],
        ["GitHub", "Jira", "Slack"],
    ),
    "function kept without prune": (
        lambda p: p[1].update(functions=[]),
        False,
        [],
        ["GitHub", "Jira", "Slack"],
    ),
    "function deleted with prune": (
        lambda p: p[1].update(functions=[]),
        True,
        [("delete", "function", "issue", [])],
        ["GitHub", "Jira", "Slack"],
    ),
}


@pytest.mark.parametrize(("edit", "prune", "expected", "order"), DIFFS.values(), ids=DIFFS)
def test_diff(config, edit, prune, expected, order):
    # Given BASE applied, and a document that differs from it by `edit`
    document = edited(edit)

    # When it is applied
    plan = config.apply(document, prune=prune)

    # Then the plan lists the change, and the store now equals the document
    assert changes(plan) == expected
    assert plan.applied is True
    assert config.order() == order
    assert config.apply(document, prune=prune).changes == []


def test_first_apply_creates_everything_in_document_order():
    # Given an empty store
    store, secrets = FakeConfigStore(), FakeSecretStore()

    # When
    plan = apply_config(ConfigDocument.parse(BASE), store, secrets)

    # Then
    assert [(c.action, c.kind, c.name, c.provider) for c in plan.changes] == [
        ("create", "provider", "GitHub", None),
        ("create", "function", "push", "GitHub"),
        ("create", "provider", "Jira", None),
        ("create", "function", "issue", "Jira"),
        ("create", "provider", "Slack", None),
    ]
    github = next(p for p in store.list_providers() if p.name == "GitHub")
    assert secrets.values == {github.id: {"KEY": "k3y"}}


@pytest.mark.parametrize(
    ("edit", "provider_version", "function_version"),
    [
        (lambda p: p[0].update(description="d"), 1, 1),
        (lambda p: p[0].update(match_script="return 1"), 2, 1),
        (lambda p: p[0]["functions"][0].update(active=False), 1, 1),
        (lambda p: p[0]["functions"][0].update(script="return 1"), 1, 2),
    ],
    ids=["provider description", "match script", "function active", "function script"],
)
def test_version_goes_up_only_when_the_script_changes(
    config, edit, provider_version, function_version
):
    # Given BASE applied (every version 1)
    # When a document changing one field is applied
    config.apply(edited(edit))

    # Then
    assert config.provider("GitHub").version == provider_version
    assert config.function("push").version == function_version
    assert len(config.store.list_versions(config.provider("GitHub").id)) == provider_version


def test_dropped_secret_is_deleted_from_the_secret_store(config):
    # Given BASE applied, its secret stored
    # When a document without the secret property is applied
    config.apply(edited(lambda p: p[0]["properties"].pop("KEY")))

    # Then
    assert config.secrets.values == {}
    assert config.provider("GitHub").properties == {"ORG": plain("acme")}


def test_prune_deletes_a_provider_with_its_functions_and_secrets(config):
    # Given BASE applied
    # When GitHub is left out and the document applied with prune
    plan = config.apply(edited(lambda p: p.pop(0)), prune=True)

    # Then GitHub, its function and its secret are gone
    assert ("delete", "provider", "GitHub", []) in changes(plan)
    assert [f.name for f in config.store.list_functions()] == ["issue"]
    assert config.secrets.values == {}


def test_dry_run_writes_nothing(config):
    # Given BASE applied
    revision, secrets = config.store.revision(), copy.deepcopy(config.secrets.values)
    document = edited(lambda p: (p.reverse(), p[0].update(description="d")))

    # When the document is applied as a dry run, with prune
    plan = config.apply(document, prune=True, dry_run=True)

    # Then the plan is there and nothing was written
    assert plan.applied is False
    assert changes(plan) == [
        ("update", "provider", "Slack", ["description"]),
        ("reorder", "provider", "GitHub", []),
    ]
    assert config.store.revision() == revision
    assert config.secrets.values == secrets


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ({"name": "Bad", "match_script": "return (("}, "provider Bad match_script"),
        (
            {
                "name": "Bad",
                "match_script": "pass",
                "functions": [{"name": "f", "uri": "u", "script": "(("}],
            },
            "function f script",
        ),
        (
            {"name": "Bad", "match_script": "pass", "properties": {"NEW": {"secret": True}}},
            "properties.NEW",
        ),
        (
            {"name": "Bad", "match_script": "pass", "redirect_hosts": ["https://x.test/"]},
            "provider Bad redirect_hosts: allowed host 'https://x.test/' is not a host",
        ),
    ],
    ids=["match script", "function script", "new secret without a value", "redirect host"],
)
def test_nothing_is_written_when_any_provider_is_invalid(config, broken, named):
    # Given BASE applied, and a document changing GitHub whose last provider is invalid
    revision, secrets = config.store.revision(), copy.deepcopy(config.secrets.values)
    document = edited(
        lambda p: (
            p[0].update(description="d"),
            p[0]["properties"].update(KEY={"value": "n3w", "secret": True}),
            p.append(broken),
        )
    )

    # When / Then it is refused naming the problem, and nothing was written
    with pytest.raises(InvalidRequestError) as refused:
        config.apply(document)
    assert refused.value.message.startswith(named)
    assert config.store.revision() == revision
    assert config.secrets.values == secrets
