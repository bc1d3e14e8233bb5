"""Function scripts acting: `http`, `aws` and `respond` through the script worker."""

from __future__ import annotations

import pytest

from tests.fakes import FakePerformer
from tests.unit.builders import function, provider, request, secret
from webhook_engine.actions.addresses import AddressPolicy
from webhook_engine.actions.calls import Toolkit
from webhook_engine.actions.errors import ActionRefused
from webhook_engine.actions.http import HttpPerformer
from webhook_engine.config.snapshot import RuntimeConfig
from webhook_engine.domain.models import ActionOutcome, ExecutionStatus, Function, Provider
from webhook_engine.pipeline.matching import Limits, Result, process_request

LIMITS = Limits(match_timeout=2.0, function_timeout=5.0)
GITHUB = provider("GitHub", match_script="return True", properties={"TOKEN": secret()})
SECRET = "s3cr3t-t0ken"


def run(
    *functions: Function,
    http: FakePerformer | None = None,
    aws: FakePerformer | None = None,
    waiting: bool = True,
    match_script: str | None = None,
) -> Result:
    owner: Provider = GITHUB
    if match_script is not None:
        owner = GITHUB.model_copy(update={"match_script": match_script})
    config = RuntimeConfig.build([owner], list(functions))
    performers = {"http": http or FakePerformer(), "aws": aws or FakePerformer()}
    return process_request(
        request("hook"),
        "m-1",
        1,
        config,
        lambda _: {"TOKEN": SECRET},
        LIMITS,
        toolkit=Toolkit(performers),
        waiting=waiting,
    )


def test_a_function_calls_http_and_aws_and_reads_the_answers():
    # Given a function that calls an API, then starts a build with what it answered
    http = FakePerformer({"status": 201, "headers": {"X-Id": "7"}, "text": '{"n": 7}', "url": "u"})
    aws = FakePerformer({"build_id": "web:1"})
    script = (
        'r = http.post("https://api.example.com/x", json={"a": 1})\n'
        'build = aws.start_build("web", env={"N": str(r.json()["n"])}, source_version="abc")\n'
        'log.info(r.headers["x-id"] + " " + build["build_id"] + " " + str(r.ok))'
    )

    # When
    result = run(function(GITHUB, "deploy", script=script), http=http, aws=aws)

    # Then both calls were made once, the script read their answers, and each is on record
    (execution,) = result.executions
    assert execution.status is ExecutionStatus.SUCCESS, execution.error
    assert [target for target, _, _ in http.performed + aws.performed] == [
        "http",
        "aws.start_build",
    ]
    assert aws.performed[0][1] == {"project": "web", "env": {"N": "7"}, "source_version": "abc"}
    assert [r.kind for r in execution.actions] == ["http", "aws"]
    assert "7 web:1 True" in [entry.message for entry in execution.logs]


def test_a_refused_call_fails_the_function_with_a_clear_error_unless_caught():
    # Given an http performer that refuses, and two functions: one catching the refusal
    refusing = FakePerformer(error=ActionRefused("http: 10.0.0.1 is a private address"))
    plain = function(GITHUB, "plain", script='http.get("http://10.0.0.1/")')
    careful = function(
        GITHUB,
        "careful",
        script='try:\n    http.get("http://10.0.0.1/")\nexcept Exception as e:\n    log.info(str(e))',
    )

    # When
    result = run(plain, careful, http=refusing)

    # Then the first failed naming the rule; the second went on
    first, second = result.executions
    assert first.error == "ActionRefused: http: 10.0.0.1 is a private address (line 1)"
    assert second.status is ExecutionStatus.SUCCESS
    assert [r.outcome for r in first.actions + second.actions] == [ActionOutcome.REFUSED] * 2


def test_respond_sets_the_answer_of_a_waiting_sender():
    # Given a function answering Slack's URL verification
    script = 'respond(200, {"challenge": "c4"}, headers={"x-extra": "1"})'

    # When
    result = run(function(GITHUB, "verify", script=script))

    # Then
    assert result.answer is not None
    assert (result.answer.status, result.answer.body) == (200, '{"challenge":"c4"}')
    assert result.answer.headers == {
        "x-extra": "1",
        "content-type": "application/json",
        "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox",
    }
    assert result.executions[0].response == result.answer


@pytest.mark.parametrize(
    ("args", "rule"),
    [
        ('302, headers={"Location": "https://evil.example/"}', "Location to evil.example"),
        ('200, "x", headers={"Set-Cookie": "s=1; Domain=example.com"}', "header Set-Cookie"),
        ('200, "x", headers={"Access-Control-Allow-Origin": "*"}', "Access-Control-Allow-Origin"),
        ('200, "<script>", headers={"Content-Type": "text/html"}', "Content-Type refused"),
    ],
    ids=["open redirect", "cookie", "CORS", "HTML"],
)
def test_a_refused_respond_fails_the_function_and_answers_nothing(args, rule):
    # Given a function whose answer breaks a rule
    script = f"respond({args})"

    # When
    result = run(function(GITHUB, "answer", script=script))

    # Then the sender gets the usual answer, and the refusal is on record, naming the rule
    assert result.answer is None
    [execution] = result.executions
    assert execution.status is ExecutionStatus.FAILED
    assert (execution.error or "").startswith("ActionRefused: respond: ")
    assert rule in (execution.error or "")
    assert execution.actions[0].outcome is ActionOutcome.REFUSED


def test_respond_redirects_to_the_hosts_its_provider_lists():
    # Given a provider that lists a host to redirect senders to
    listing = GITHUB.model_copy(update={"redirect_hosts": ["login.example.com"]})
    script = 'respond(302, headers={"Location": "https://login.example.com/ok"})'
    config = RuntimeConfig.build([listing], [function(listing, "go", script=script)])

    # When
    result = process_request(
        request("hook"), "m-1", 1, config, lambda _: {}, LIMITS, toolkit=Toolkit({}), waiting=True
    )

    # Then
    assert result.answer is not None
    assert (result.answer.status, result.answer.headers["location"]) == (
        302,
        "https://login.example.com/ok",
    )


def test_two_functions_responding_the_first_wins():
    # Given two functions that respond, in order
    first = function(GITHUB, "a", script='log.info(str(respond(200, "first")))')
    second = function(GITHUB, "b", script='log.info(str(respond(500, "second")))')

    # When
    result = run(first, second)

    # Then the first one's answer stands; the second knew it was ignored
    assert result.answer is not None
    assert result.answer.body == "first"
    logs = [
        [e.message for e in x.logs if e.message in ("True", "False")] for x in result.executions
    ]
    assert logs == [["True"], ["False"]]


def test_respond_in_an_asynchronous_submission_is_recorded_only():
    # When
    result = run(function(GITHUB, "a", script='respond(200, "x")'), waiting=False)

    # Then
    assert result.answer is None
    assert result.executions[0].actions[0].outcome is ActionOutcome.IGNORED


def test_match_scripts_cannot_act():
    # Given a match script that tries to call http
    http = FakePerformer()

    # When
    result = run(http=http, match_script='http.get("https://example.com")\nreturn True')

    # Then the evaluation failed naming why, and nothing was called
    (evaluation,) = result.evaluations
    assert evaluation.error == "ActionRefused: http is not available to match scripts (line 1)"
    assert http.performed == []


@pytest.mark.parametrize(
    "script",
    [
        'http.get("https://x.test/" + props["TOKEN"])',
        'aws.send_message("q", props["TOKEN"])',
    ],
    ids=["http", "aws"],
)
def test_secrets_in_failed_calls_are_masked_on_record(script):
    # Given performers whose errors echo what the script sent
    echo = FakePerformer(error=ActionRefused(f"refused: {SECRET}"))

    # When
    result = run(function(GITHUB, "leaky", script=script), http=echo, aws=echo)

    # Then neither the record, the log nor the error shows the secret
    (execution,) = result.executions
    assert SECRET not in execution.model_dump_json()
    assert "***" in (execution.error or "")


def test_a_secret_in_a_respond_is_sent_but_masked_on_record():
    # Given a function answering with the provider's secret in a header and in the body
    script = 'respond(200, "token " + props["TOKEN"], headers={"x-token": props["TOKEN"]})'

    # When
    result = run(function(GITHUB, "answer", script=script))

    # Then the sender gets what the script answered, and the execution's record masks it
    assert result.answer is not None
    assert (result.answer.body, result.answer.headers["x-token"]) == (f"token {SECRET}", SECRET)
    (execution,) = result.executions
    assert SECRET not in execution.model_dump_json()
    assert execution.response is not None
    assert (execution.response.body, execution.response.headers["x-token"]) == ("token ***", "***")


@pytest.mark.parametrize(
    "script",
    [
        'http.post(props["HOOK"], json={"text": "deployed"})',
        'http.post(props["HOOK"] + "?thread=1", json={"text": "deployed"})',
        'http.post(props["HOOK"] + "/extra", json={"text": "deployed"})',
    ],
    ids=["as it is", "with a query", "extended"],
)
def test_a_secret_url_is_masked_in_the_record_of_the_call(script):
    # Given a provider whose secret is a whole URL (an incoming-webhook URL: its path is the
    # credential), and a function posting to it, dry-run with the real http description
    hook = "https://hooks.chat.example/services/T0/B0/xS3cr3tPath"
    owner = provider("Chat", match_script="return True", properties={"HOOK": secret()})
    config = RuntimeConfig.build([owner], [function(owner, "notify", script=script)])
    public = AddressPolicy((), resolver=lambda host, port: ["93.184.215.14"])
    http = HttpPerformer(lambda: pytest.fail("no call in a dry run"), lambda: public)

    # When
    result = process_request(
        request("hook"),
        "m-1",
        1,
        config,
        lambda _: {"HOOK": hook},
        LIMITS,
        toolkit=Toolkit({"http": http}, dry_run=True),
    )

    # Then the call is on record, but not the secret's path
    (execution,) = result.executions
    assert execution.status is ExecutionStatus.SUCCESS, execution.error
    assert execution.actions[0].call.startswith("POST ***")
    assert "xS3cr3tPath" not in execution.model_dump_json()


# a secret across every cut -------------------------------------------------------------------------

# Where the worker and the engine cut what a function leaves, and the script that puts the secret
# at character `n` of that text (SECRET is 12 characters; each cut is at its cap).
CUTS = {
    "log entry (4,000)": ('log.info("x" * {n} + props["TOKEN"] + "y" * 50)', 4000),
    "summary (500)": ('log.set_message("x" * {n} + props["TOKEN"] + "y" * 50)', 500),
    "error detail (500)": ('raise ValueError("x" * {n} + props["TOKEN"] + "y" * 50)', 500),
    "call line (500)": ('http.get("https://x.test/" + "x" * {n} + props["TOKEN"] + "y" * 50)', 500),
}


@pytest.mark.parametrize("where", CUTS)
def test_no_cut_leaves_any_part_of_a_secret_on_record(where):
    # Given the secret placed across the cut, at every offset around it
    script, cap = CUTS[where]
    shift = len("GET https://x.test/") if "call" in where else 0
    for n in range(cap - len(SECRET) - 8, cap + 2):
        # When
        result = run(function(GITHUB, "f", script=script.format(n=n - shift)))

        # Then not even the secret's first two characters are left on record
        (execution,) = result.executions
        recorded = execution.model_dump_json() + (result.summary or "")
        assert SECRET[:2] not in recorded, n
