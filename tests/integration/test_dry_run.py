"""Dry runs: a sample request against the stored scripts or a draft, storing nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.fakes import FakePerformer, FakeSecretStore
from tests.unit.builders import config_store, function, plain, provider, request, secret
from webhook_engine.actions.calls import Toolkit
from webhook_engine.config.document import ConfigDocument
from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import Status
from webhook_engine.operations.dry_run import DRY_RUN_ID, dry_run
from webhook_engine.pipeline.matching import Limits, Result

LIMITS = Limits(match_timeout=2.0, function_timeout=5.0)
GITHUB = provider(
    "GitHub",
    match_script='return props["KEY"] == "k3y"',
    properties={"KEY": secret(), "ORG": plain("acme")},
)
STORED_SCRIPT = 'log.info("stored " + message_id)'
DRAFT: dict[str, Any] = {
    "providers": [
        {
            "name": "GitHub",
            "properties": {"KEY": {"secret": True}, "ORG": "acme"},
            "match_script": 'return props["KEY"] == "k3y"',
            "functions": [{"name": "push", "uri": "hook", "script": 'log.info("draft")'}],
        }
    ]
}


class Stored:
    """GitHub stored with its secret and one function."""

    def __init__(self) -> None:
        self.store = config_store(GITHUB, function(GITHUB, "push", script=STORED_SCRIPT))
        self.secrets = FakeSecretStore()
        self.secrets.put_secret(GITHUB.id, "KEY", "k3y")
        self.secrets.reads.clear()
        self.aws = FakePerformer()
        self.toolkit = Toolkit({"http": FakePerformer(), "aws": self.aws})

    def run(self, draft: dict[str, Any] | None = None, inherit: bool = False) -> Result:
        document = None if draft is None else ConfigDocument.parse(draft)
        return dry_run(request(), document, self.store, self.secrets, LIMITS, self.toolkit, inherit)


@pytest.fixture
def stored() -> Stored:
    return Stored()


def logs(result: Result) -> list[str]:
    return [entry.message for e in result.executions for entry in e.logs]


def test_without_a_draft_the_stored_scripts_run(stored):
    # Given GitHub stored with its secret and function (fixture)
    # When
    result = stored.run()

    # Then
    assert (result.status, result.provider) == (Status.SUCCESS, "GitHub")
    assert logs(result) == [f"stored {DRY_RUN_ID}"]


def test_a_draft_runs_its_own_scripts_with_the_stored_secret_when_asked(stored):
    # Given a draft whose secret has no value (as an export shows it)
    # When it is run asking for the stored secrets
    result = stored.run(DRAFT, inherit=True)

    # Then the draft's function ran, and the draft provider matched on the stored secret
    assert (result.status, result.provider) == (Status.SUCCESS, "GitHub")
    assert logs(result) == ["draft"]
    assert stored.secrets.reads == [GITHUB.id]


def test_a_draft_does_not_see_stored_secrets_unless_asked(stored):
    # Given the same draft
    # When it is run without asking for the stored secrets
    result = stored.run(DRAFT)

    # Then its secret is empty, it does not match, and no stored secret was read
    assert (result.status, result.provider) == (Status.UNMATCHED, None)
    assert stored.secrets.reads == []


def test_a_draft_provider_of_another_name_does_not_see_stored_secrets(stored):
    # Given the draft provider renamed: it gets an id of its own
    draft = copy.deepcopy(DRAFT)
    draft["providers"][0]["name"] = "GitHub 2"

    # When
    result = stored.run(draft)

    # Then its secret is empty and it does not match
    assert (result.status, result.provider) == (Status.UNMATCHED, None)
    assert GITHUB.id not in stored.secrets.reads


def test_a_draft_secret_value_is_used_and_not_stored(stored):
    # Given a draft with another secret value and a script that accepts it
    draft = copy.deepcopy(DRAFT)
    draft["providers"][0]["properties"]["KEY"] = {"value": "draft-key", "secret": True}
    draft["providers"][0]["match_script"] = 'return props["KEY"] == "draft-key"'

    # When
    result = stored.run(draft)

    # Then
    assert result.provider == "GitHub"
    assert stored.secrets.values == {GITHUB.id: {"KEY": "k3y"}}


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (("match_script",), "provider GitHub match_script"),
        (("functions", 0, "script"), "function push script"),
    ],
    ids=["match script", "function script"],
)
def test_a_draft_with_a_script_that_does_not_compile_is_refused(stored, path, named):
    # Given a draft with one broken script
    draft = copy.deepcopy(DRAFT)
    target = draft["providers"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "return (("

    # When / Then
    with pytest.raises(InvalidRequestError) as refused:
        stored.run(draft)
    assert refused.value.message.startswith(named)
    assert refused.value.status == 400


@pytest.mark.parametrize("draft", [None, DRAFT], ids=["stored", "draft"])
def test_nothing_is_stored(stored, draft):
    # Given
    revision = stored.store.revision()
    providers, functions = stored.store.list_providers(), stored.store.list_functions()

    # When
    stored.run(draft)

    # Then
    assert stored.store.revision() == revision
    assert (stored.store.list_providers(), stored.store.list_functions()) == (providers, functions)
    assert stored.secrets.values == {GITHUB.id: {"KEY": "k3y"}}


def test_a_dry_run_lists_the_calls_it_would_make_and_makes_none(stored):
    # Given a draft whose function builds, calls an API and answers
    draft = copy.deepcopy(DRAFT)
    draft["providers"][0]["functions"][0]["script"] = (
        'aws.start_build("web")\nhttp.get("https://api.example.com/x?k=1")\nrespond(202, "ok")'
    )

    # When it is dry-run, with the stored secret lent
    result = stored.run(draft, inherit=True)

    # Then each call is on record as "would call", the answer is shown, nothing was performed
    (execution,) = result.executions
    assert [(a.kind, a.outcome.value) for a in execution.actions] == [
        ("aws", "would call"),
        ("http", "would call"),
        ("respond", "would call"),
    ]
    assert result.answer is not None
    assert (result.answer.status, result.answer.body) == (202, "ok")
    assert stored.aws.performed == []


def test_a_dry_runs_answer_masks_the_stored_secret(stored):
    # Given the stored GitHub, whose function answers with the stored secret
    draft = copy.deepcopy(DRAFT)
    draft["providers"][0]["functions"][0]["script"] = (
        'respond(200, props["KEY"], headers={"x-key": props["KEY"]})'
    )

    # When it is dry-run with the stored secret lent
    result = stored.run(draft, inherit=True)

    # Then the answer shown is masked as the rest of the run is: nothing of the admin API
    # returns a stored secret
    assert result.answer is not None
    assert (result.answer.body, result.answer.headers["x-key"]) == ("***", "***")
