"""Processing's decisions: claim a submission once, match and run, record the outcome."""

from __future__ import annotations

import pytest

from tests.fakes import FakeSecretStore
from tests.unit.builders import (
    config_store,
    function,
    message,
    message_store,
    plain,
    provider,
    secret,
)
from webhook_engine.config.snapshot import ConfigCache
from webhook_engine.domain.errors import NotFoundError
from webhook_engine.domain.models import ExecutionStatus, Mode, Status
from webhook_engine.pipeline.processing import Processor

GITHUB = provider("GitHub", match_script='return headers.get("x-github-event") == "push"')
PUSH = function(GITHUB, "push", script='log.info("first")\nlog.set_message("pushed")')


class Setup:
    def __init__(self, *items) -> None:
        self.messages = message_store(message("m-1", headers={"x-github-event": "push"}))
        self.config, self.secrets = config_store(*items), FakeSecretStore()
        self.processor = Processor(
            messages=self.messages,
            config=ConfigCache(self.config, ttl=0),
            secrets=self.secrets,
            match_timeout=2.0,
            function_timeout=5.0,
        )

    def processed_then_fixed(self) -> None:
        """Process submission 1, then save version 2 of PUSH, which logs "second"."""
        self.processor.process("m-1", 1)
        self.config.put_function(
            PUSH.model_copy(update={"script": 'log.info("second")', "version": 2})
        )


@pytest.fixture
def setup() -> Setup:
    return Setup(GITHUB, PUSH)


def test_the_outcome_is_recorded_on_the_submission_and_the_message(setup):
    # Given a stored message GitHub matches
    # When its first submission is processed
    outcome = setup.processor.process("m-1", 1)

    # Then
    assert outcome is not None
    assert (outcome.status, outcome.provider, outcome.summary) == (
        Status.SUCCESS,
        "GitHub",
        "pushed",
    )
    detail = setup.messages.get_detail("m-1")
    stored = detail.message
    assert (stored.status, stored.provider, stored.summary) == (Status.SUCCESS, "GitHub", "pushed")
    assert stored.functions == ["push"]
    (submission,) = detail.submissions
    assert (submission.status, submission.attempts) == (Status.SUCCESS, 1)
    assert submission.started_at is not None
    assert submission.finished_at is not None
    assert [(e.provider, e.matched) for e in submission.evaluations] == [("GitHub", True)]
    assert [(e.function, e.status, e.submission) for e in detail.executions] == [
        ("push", ExecutionStatus.SUCCESS, 1)
    ]


def test_a_duplicate_delivery_returns_none_and_runs_nothing_again(setup):
    # Given a processed submission, and the function's script changed since
    setup.processed_then_fixed()

    # When SQS delivers the same submission again
    again = setup.processor.process("m-1", 1)

    # Then nothing ran: the recorded execution is still the first run's
    detail = setup.messages.get_detail("m-1")
    assert again is None
    assert [entry.message for e in detail.executions for entry in e.logs] == ["first"]
    assert detail.submissions[0].attempts == 1


def test_a_resubmission_runs_again_and_keeps_the_first_executions(setup):
    # Given a processed first submission and a resubmission after a script change
    setup.processed_then_fixed()
    resubmission = setup.messages.add_submission("m-1", Mode.RESUBMIT)

    # When the resubmission is processed
    outcome = setup.processor.process("m-1", resubmission.submission)

    # Then both submissions' executions are on record, each with its script version
    detail = setup.messages.get_detail("m-1")
    assert outcome is not None
    assert [(e.submission, e.script_version) for e in detail.executions] == [(1, 1), (2, 2)]
    assert detail.message.submission_count == 2
    assert detail.message.status is Status.SUCCESS


def test_an_older_submission_finishing_late_does_not_overwrite_the_message(setup):
    # Given a resubmission numbered before the first submission was processed
    setup.messages.add_submission("m-1", Mode.RESUBMIT)

    # When the first submission is processed
    setup.processor.process("m-1", 1)

    # Then that submission is finished, but the message waits for the latest one
    detail = setup.messages.get_detail("m-1")
    assert detail.submissions[0].status is Status.SUCCESS
    assert (detail.message.status, detail.message.provider) == (Status.RECEIVED, None)


def test_an_unmatched_message_is_recorded_unmatched():
    # Given no provider that matches
    setup = Setup(provider("Jira", match_script="return False"))

    # When
    outcome = setup.processor.process("m-1", 1)

    # Then
    assert outcome is not None
    assert outcome.status is Status.UNMATCHED
    assert setup.messages.get_message("m-1").status is Status.UNMATCHED


def test_secrets_are_read_only_for_a_provider_with_secret_properties():
    # Given a first provider with plain properties only, refusing, and a second with a secret
    plain_only = provider("Plain", match_script="return False", properties={"ORG": plain("a")})
    keyed = provider(
        "Keyed",
        position=1,
        match_script='return props["KEY"] == "k3y" and props["ORG"] == "b"',
        properties={"KEY": secret(), "ORG": plain("b")},
    )
    setup = Setup(plain_only, keyed, function(keyed, "f"))
    setup.secrets.put_secret(keyed.id, "KEY", "k3y")

    # When
    outcome = setup.processor.process("m-1", 1)

    # Then only the provider with a secret read the secret store, and its script saw the value
    assert outcome is not None
    assert outcome.provider == "Keyed"
    assert setup.secrets.reads == [keyed.id]


def test_an_unknown_submission_raises_so_the_queue_retries(setup):
    # Given a stored message with only its first submission
    # When / Then
    with pytest.raises(NotFoundError):
        setup.processor.process("m-1", 2)
    with pytest.raises(NotFoundError):
        setup.processor.process("nope", 1)
