"""Processing's decisions: lease a submission, match and run once, record how it ended."""

from __future__ import annotations

import pytest

from tests.fakes import FakeMessageStore, FakeSecretStore
from tests.unit.builders import Clock, config_store, function, message, plain, provider, secret
from webhook_engine.config.snapshot import ConfigCache
from webhook_engine.domain.errors import NotFoundError, SubmissionBusyError, UpstreamError
from webhook_engine.domain.models import ExecutionStatus, Mode, Status
from webhook_engine.pipeline import matching
from webhook_engine.pipeline.matching import NO_TOOLKIT
from webhook_engine.pipeline.processing import Processor
from webhook_engine.sandbox.supervisor import SandboxUnavailableError

GITHUB = provider("GitHub", match_script='return headers.get("x-github-event") == "push"')
PUSH = function(GITHUB, "push", script='log.info("first")\nlog.set_message("pushed")')
LEASE = 60.0


class Setup:
    def __init__(self, *items, body: bytes = b"{}") -> None:
        self.clock = Clock(1_000_000.0)  # time.time for the message store's leases
        self.messages = FakeMessageStore(clock=self.clock)
        self.messages.put_message(
            message("m-1", headers={"x-github-event": "push"}, body=body), Mode.ASYNC
        )
        self.config, self.secrets = config_store(*items), FakeSecretStore()
        self.processor = Processor(
            messages=self.messages,
            config=ConfigCache(self.config, ttl=0),
            secrets=self.secrets,
            match_timeout=2.0,
            function_timeout=5.0,
            lease_seconds=LEASE,
            toolkit=NO_TOOLKIT,
        )

    def processed_then_fixed(self) -> None:
        """Process submission 1, then save version 2 of PUSH, which logs "second"."""
        self.processor.process("m-1", 1)
        fixed = PUSH.model_copy(update={"script": 'log.info("second")', "version": 2})
        self.config.put_function(fixed)

    def cut_off(self, times: int) -> None:
        """Deliveries that claimed submission 1 and were killed: their leases ran out."""
        for attempt in range(times):
            self.messages.claim_submission("m-1", 1, f"killed-{attempt}", LEASE)
            self.clock.now += LEASE + 1


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
    assert (stored.functions, stored.reason) == (["push"], None)
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
    (resubmission,) = setup.messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the resubmission is processed
    outcome = setup.processor.process("m-1", resubmission.submission)

    # Then both submissions' executions are on record, each with its script version
    detail = setup.messages.get_detail("m-1")
    assert outcome is not None
    assert [(e.submission, e.script_version) for e in detail.executions] == [(1, 1), (2, 2)]
    assert detail.message.submission_count == 2
    assert detail.message.status is Status.SUCCESS


def test_an_older_submission_is_superseded_without_running(setup):
    # Given a resubmission numbered before the first submission was processed
    setup.messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the first submission is delivered
    outcome = setup.processor.process("m-1", 1)

    # Then it is SUPERSEDED (on record since the resubmission), nothing ran, and the message
    # waits for the latest one
    detail = setup.messages.get_detail("m-1")
    assert outcome is not None
    assert outcome.status is Status.SUPERSEDED
    assert (detail.submissions[0].status, detail.submissions[0].reason) == (
        Status.SUPERSEDED,
        "superseded by submission 2",
    )
    assert detail.executions == []
    assert detail.message.status is Status.RECEIVED


def test_a_submission_leased_to_another_delivery_is_busy(setup):
    # Given another delivery holding the lease
    setup.messages.claim_submission("m-1", 1, "other", LEASE)

    # When / Then this delivery is refused for a retry, and runs nothing
    with pytest.raises(SubmissionBusyError):
        setup.processor.process("m-1", 1)
    assert setup.messages.get_detail("m-1").executions == []


def test_a_lease_that_ran_out_is_taken_over(setup):
    # Given a delivery that claimed the submission and was killed (its lease ran out)
    setup.cut_off(1)

    # When the queue delivers it again
    outcome = setup.processor.process("m-1", 1)

    # Then it runs
    assert outcome is not None
    assert outcome.status is Status.SUCCESS
    assert setup.messages.get_detail("m-1").submissions[0].attempts == 2


def test_a_submission_cut_off_twice_fails_without_running_again(setup):
    # Given two deliveries that were killed while processing
    setup.cut_off(2)

    # When the queue delivers it a third time
    outcome = setup.processor.process("m-1", 1)

    # Then it is FAILED with the reason, and no function ran
    detail = setup.messages.get_detail("m-1")
    assert outcome is not None
    assert outcome.status is Status.FAILED
    assert "2 earlier attempts ended with neither an outcome nor a release" in (
        detail.message.reason or ""
    )
    assert detail.executions == []


def test_an_aws_failure_gives_the_lease_back_and_raises_for_a_retry():
    # Given a provider whose secrets cannot be read
    keyed = provider("Keyed", properties={"KEY": secret()})
    setup = Setup(keyed, function(keyed, "f"))
    setup.secrets.error = RuntimeError("SSM throttled")

    # When it is delivered, fails, then is delivered again once SSM recovers
    with pytest.raises(UpstreamError, match="secrets of provider Keyed"):
        setup.processor.process("m-1", 1)
    failed = setup.messages.get_detail("m-1").submissions[0]
    setup.secrets.error = None
    outcome = setup.processor.process("m-1", 1)

    # Then the failure was noted and the lease released, so the retry ran at once
    assert (failed.status, failed.reason) == (
        Status.PROCESSING,
        "UpstreamError: secrets of provider Keyed: SSM throttled",
    )
    assert outcome is not None
    assert outcome.status is Status.SUCCESS


class _Sandbox:
    """A sandbox whose processes fail every run with `error` (the sandbox's port, faked)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def process(self) -> _Sandbox:
        return self

    def __enter__(self) -> _Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, *args: object) -> None:
        raise self.error


def test_a_processing_error_fails_the_submission_with_its_reason(monkeypatch):
    # Given scripts that cannot be run because of a bug in the engine
    setup = Setup(GITHUB, PUSH)
    monkeypatch.setattr(matching, "default_sandbox", lambda: _Sandbox(RuntimeError("a bug")))

    # When
    outcome = setup.processor.process("m-1", 1)

    # Then it ends FAILED on this delivery, with the reason
    assert outcome is not None
    assert outcome.status is Status.FAILED
    assert setup.messages.get_message("m-1").reason == "processing error: RuntimeError: a bug"


def test_script_processes_that_cannot_start_are_retried_never_unmatched(monkeypatch):
    # Given script processes that cannot start here (an infrastructure failure)
    setup = Setup(GITHUB, PUSH)
    down = SandboxUnavailableError("script processes cannot start: libpython3.13.so missing")
    monkeypatch.setattr(matching, "default_sandbox", lambda: _Sandbox(down))

    # When a delivery processes the message
    with pytest.raises(SandboxUnavailableError):
        setup.processor.process("m-1", 1)

    # Then nothing was recorded as the scripts' outcome: the lease is given back for a retry
    detail = setup.messages.get_detail("m-1")
    assert detail.message.status is Status.RECEIVED
    assert detail.executions == []
    assert detail.submissions[0].reason == (
        "SandboxUnavailableError: script processes cannot start: libpython3.13.so missing"
    )


def test_giving_up_on_scripts_that_cannot_run_fails_the_message_with_the_reason(setup):
    # Given a submission whose scripts could not run on any delivery
    error = SandboxUnavailableError("script process killed from outside (signal 9, SIGKILL)")
    # When the queue's last attempt gives up
    setup.processor.give_up("m-1", 1, error)

    # Then the message is FAILED (not DEAD: there is nothing to redrive), saying why
    detail = setup.messages.get_detail("m-1")
    assert detail.submissions[0].status is Status.FAILED
    assert (detail.message.status, detail.message.reason) == (
        Status.FAILED,
        "SandboxUnavailableError: script process killed from outside (signal 9, SIGKILL)",
    )


def test_a_body_too_deep_to_parse_fails_only_the_scripts_reading_the_payload():
    # Given a JSON body nested deeper than the parser goes, and a function reading it
    reads = function(GITHUB, "reads", script="return len(payload)")
    setup = Setup(GITHUB, PUSH, reads, body=b"[" * 100_000 + b"]" * 100_000)

    # When
    outcome = setup.processor.process("m-1", 1)

    # Then that function failed saying why; the match script and the other function ran
    assert outcome is not None
    errors = {e.function: e.error for e in outcome.executions}
    assert outcome.status is Status.FAILED
    assert errors == {
        "push": None,
        "reads": "RecursionError: the payload is nested too deeply to parse",
    }


def test_giving_up_marks_the_submission_and_the_message_dead(setup):
    # Given a stored submission the queue could not process
    # When the queue's last attempt gives up
    setup.processor.give_up("m-1", 1, RuntimeError("DynamoDB throttled"))

    # Then
    detail = setup.messages.get_detail("m-1")
    assert detail.submissions[0].status is Status.DEAD
    assert (detail.message.status, detail.message.reason) == (
        Status.DEAD,
        "RuntimeError: DynamoDB throttled",
    )


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


def test_a_message_whose_body_is_gone_fails_with_that_reason_and_is_not_retried():
    # Given a message over the inline limit whose body the payload store no longer has (its
    # lifecycle rule ran before the item's TTL)
    setup = Setup(GITHUB, PUSH, body=b"x" * 300_000)
    setup.messages.payloads.objects.clear()

    # When it is delivered
    outcome = setup.processor.process("m-1", 1)

    # Then it ends FAILED, saying why, on this delivery: no retry can bring the body back
    stored = setup.messages.get_detail("m-1").message
    assert outcome is not None
    assert outcome.status is Status.FAILED
    assert "body is no longer stored" in (stored.reason or "")
    assert stored.status is Status.FAILED


def test_a_resubmission_whose_provider_is_gone_says_so():
    # Given a message GitHub handled, then GitHub deleted
    setup = Setup(GITHUB, PUSH)
    setup.processor.process("m-1", 1)
    setup.config.delete_function(PUSH.id)
    setup.config.delete_provider(GITHUB.id)
    (again,) = setup.messages.add_submissions(["m-1"], Mode.RESUBMIT)

    # When the resubmission runs
    outcome = setup.processor.process("m-1", again.submission)

    # Then it is UNMATCHED, and the reason names the provider that is gone
    assert outcome is not None
    assert outcome.status is Status.UNMATCHED
    assert outcome.reason == (
        "provider GitHub, which handled this message before, is no longer active "
        "(deleted, renamed or made inactive); no provider matched: no provider is active"
    )
