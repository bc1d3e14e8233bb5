"""The engine's side of function scripts' calls: limits, time, records, dry runs, answers."""

from __future__ import annotations

import time

import pytest

from tests.fakes import FakePerformer
from webhook_engine.actions.calls import MAX_CALL_LINE, MAX_CALLS, Answer, ExecutionCalls, Toolkit
from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.domain.limits import ERROR_CHARACTERS
from webhook_engine.domain.models import ActionOutcome
from webhook_engine.sandbox.redaction import Redactor

URL = {"method": "GET", "url": "https://api.example.com/v1?token=t0p"}
BUILD = {"project": "web", "env": None, "source_version": "abc"}


def calls(
    http: FakePerformer | None = None,
    aws: FakePerformer | None = None,
    dry_run: bool = False,
    seconds: float = 5.0,
    answer: Answer | None = None,
) -> ExecutionCalls:
    performers = {"http": http or FakePerformer({"status": 200}), "aws": aws or FakePerformer()}
    toolkit = Toolkit(performers, dry_run=dry_run)
    return toolkit.calls("deploy", time.monotonic() + seconds, answer or Answer(waiting=True))


def test_an_http_call_is_performed_within_the_time_left_and_recorded():
    # Given a run with five seconds left
    http = FakePerformer({"status": 201})
    execution = calls(http=http, seconds=5.0)

    # When the script calls http
    value = execution.handlers()["http"](URL)

    # Then the performer got the call with at most the time left; the record has no query
    ((target, args, timeout),) = http.performed
    assert (value, target, args) == ({"status": 201}, "http", URL)
    assert 4.0 < timeout < 5.0
    (record,) = execution.records
    assert (record.kind, record.outcome, record.status) == ("http", ActionOutcome.DONE, 200)
    assert execution.logs[0].message.startswith("http GET https://api.example.com/v1?token")


def test_every_aws_action_reaches_the_aws_performer():
    # Given
    aws = FakePerformer({"build_id": "web:1"})
    execution = calls(aws=aws)
    handlers = execution.handlers()

    # When every action is called
    targets = sorted(target for target in handlers if target.startswith("aws."))
    for target in targets:
        handlers[target](BUILD)

    # Then each was performed, under its own name
    assert [target for target, _, _ in aws.performed] == targets
    assert len(targets) == 7


def test_calls_past_the_limit_are_refused_naming_it():
    # Given a run that has made the most calls it may
    execution = calls()
    for _ in range(MAX_CALLS):
        execution.handlers()["http"](URL)

    # When it calls once more
    with pytest.raises(ActionLimitError) as refused:
        execution.handlers()["aws.start_build"](BUILD)

    # Then the call is refused, naming the limit, and recorded as refused
    assert f"more than {MAX_CALLS} http, aws and respond calls" in str(refused.value)
    assert execution.records[-1].outcome is ActionOutcome.REFUSED
    assert len(execution.records) == MAX_CALLS + 1


def test_calls_past_the_limit_stay_refused_but_only_the_first_is_recorded():
    # Given a run that has made the most calls it may
    execution = calls()
    handlers = execution.handlers()
    for _ in range(MAX_CALLS):
        handlers["http"](URL)

    # When the script goes on calling, catching each refusal (a loop over many items)
    refusals = 0
    for target in ["http", "aws.start_build", "respond"] * 1000:
        with pytest.raises(ActionLimitError):
            handlers[target]({"status": 200} if target == "respond" else URL)
        refusals += 1

    # Then every call was refused, yet the execution's record did not grow past one refusal:
    # it must fit one DynamoDB item whatever the script does
    assert refusals == 3000
    assert len(execution.records) == len(execution.logs) == MAX_CALLS + 1
    assert execution.records[-1].outcome is ActionOutcome.REFUSED


def test_a_long_call_line_is_cut_in_the_record_and_the_log():
    # Given a performer describing a call with a very long path
    long_url = {"method": "GET", "url": "https://api.example.com/" + "a" * 8000}
    execution = calls()

    # When
    execution.handlers()["http"](long_url)

    # Then the record and its log line carry the first MAX_CALL_LINE characters of it
    (record,) = execution.records
    assert len(record.call) == MAX_CALL_LINE
    assert record.call.startswith("GET https://api.example.com/aaa")
    assert record.call.endswith("...")
    assert len(execution.logs[0].message) < MAX_CALL_LINE + 100


def test_a_call_with_no_time_left_is_refused_before_it_is_made():
    # Given a run past its time limit
    http = FakePerformer()
    execution = calls(http=http, seconds=0.0)

    # When
    with pytest.raises(ActionLimitError, match="no time left"):
        execution.handlers()["http"](URL)

    # Then nothing was performed
    assert http.performed == []


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (ActionRefused("http: 10.0.0.1 is a private address"), ActionOutcome.REFUSED),
        (ActionLimitError("http: response over 1 MiB"), ActionOutcome.REFUSED),
        (ActionError("aws.start_build: ResourceNotFoundException"), ActionOutcome.FAILED),
    ],
    ids=["refused", "limit", "failed"],
)
def test_a_failed_call_is_recorded_and_raised_to_the_script(error, outcome):
    # Given a performer that fails
    execution = calls(aws=FakePerformer(error=error))

    # When
    with pytest.raises(type(error)):
        execution.handlers()["aws.start_build"](BUILD)

    # Then
    (record,) = execution.records
    assert (record.outcome, record.detail) == (outcome, str(error))
    assert execution.logs[0].level == "WARNING"


def test_a_missing_performer_refuses():
    # Given a toolkit without an aws performer
    execution = Toolkit({}).calls("f", time.monotonic() + 5, Answer(waiting=False))

    # When / Then
    with pytest.raises(ActionRefused, match=r"aws\.invoke is not available"):
        execution.handlers()["aws.invoke"]({"function_name": "x", "payload": {}})


def test_a_dry_run_describes_every_call_and_performs_none():
    # Given a dry run
    http, aws = FakePerformer(), FakePerformer()
    execution = calls(http=http, aws=aws, dry_run=True)

    # When the script calls http and aws
    answers = [execution.handlers()["http"](URL), execution.handlers()["aws.start_build"](BUILD)]

    # Then both were described as "would call", with the dry answers, and none performed
    assert answers == [
        {"status": 200, "headers": {}, "text": "", "url": URL["url"]},
        {"dry_run": True},
    ]
    assert [r.outcome for r in execution.records] == [ActionOutcome.WOULD_CALL] * 2
    assert (http.performed, aws.performed) == ([], [])


def test_the_first_respond_is_the_answer_and_later_ones_are_ignored():
    # Given a waiting sender, and two runs sharing its answer
    answer = Answer(waiting=True)
    first, second = calls(answer=answer), calls(answer=answer)

    # When both respond
    took = first.handlers()["respond"]({"status": 200, "body": {"challenge": "c"}})
    ignored = second.handlers()["respond"]({"status": 500, "body": "late"})

    # Then the first is the answer; the second is recorded as ignored
    assert (took, ignored) == (True, False)
    assert answer.value is not None
    assert (answer.value.status, answer.value.body) == (200, '{"challenge":"c"}')
    assert first.response == answer.value
    assert second.response is None
    assert second.records[0].outcome is ActionOutcome.IGNORED
    assert second.records[0].detail == "the answer was already set by deploy"


def test_respond_when_nobody_waits_is_recorded_and_ignored():
    # Given an asynchronous submission
    answer = Answer(waiting=False)
    execution = calls(answer=answer)

    # When the script responds
    took = execution.handlers()["respond"]({"status": 200})

    # Then
    assert took is False
    assert answer.value is None
    assert execution.records[0].detail == "asynchronous: no sender waits for an answer"


@pytest.mark.parametrize("offset", range(ERROR_CHARACTERS - 20, ERROR_CHARACTERS + 2))
def test_a_secret_across_the_cut_of_a_calls_detail_leaves_nothing_on_record(offset):
    # Given a performer whose error echoes a secret across the detail's cut
    secret = "s3cr3t-t0ken-42"
    echo = FakePerformer(error=ActionError("x" * offset + secret + "y" * 50))
    toolkit = Toolkit({"http": echo, "aws": FakePerformer()})
    execution = toolkit.calls(
        "deploy", time.monotonic() + 5, Answer(waiting=True), Redactor([secret]).text
    )

    # When
    with pytest.raises(ActionError):
        execution.handlers()["http"](URL)

    # Then the record and its log line hold nothing of the secret, and the detail is bounded
    (record,) = execution.records
    assert record.detail is not None
    assert len(record.detail) <= ERROR_CHARACTERS
    assert secret[:2] not in record.detail + execution.logs[0].message
