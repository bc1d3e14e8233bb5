"""The allow-list of `aws` targets: every form a script may name a target by maps to the listed
ARN, and anything not listed (another name, region, account, qualifier or host) is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from webhook_engine.actions.aws_targets import (
    BUILD_PROJECT,
    EVENT_BUS,
    FUNCTION,
    KINDS,
    PIPELINE,
    QUEUE,
    STATE_MACHINE,
    TOPIC,
    AllowList,
    Kind,
    listed_target,
)
from webhook_engine.actions.errors import ActionError, ActionRefused
from webhook_engine.settings import Settings

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
PROJECT = f"arn:aws:codebuild:eu-west-1:{ACCOUNT}:project/build-web"
QUEUE_ARN = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs"
BUS = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default"
TOPIC_ARN = f"arn:aws:sns:eu-west-1:{ACCOUNT}:news"
MACHINE = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:flow"
PIPELINE_ARN = f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:deploy"
FUNCTION_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:notify"
ALIAS_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:notify:prod"

LISTED = {
    BUILD_PROJECT: [PROJECT],
    QUEUE: [QUEUE_ARN],
    EVENT_BUS: [BUS],
    TOPIC: [TOPIC_ARN],
    STATE_MACHINE: [MACHINE],
    PIPELINE: [PIPELINE_ARN],
    FUNCTION: [FUNCTION_ARN, ALIAS_ARN],
}


def resolve(kind: Kind, given: str, listed: dict[Kind, list[str]] = LISTED) -> str:
    return AllowList(listed).resolve(kind, given, "act").arn


# every form of a listed target ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "given", "arn"),
    [
        (BUILD_PROJECT, "build-web", PROJECT),
        (BUILD_PROJECT, PROJECT, PROJECT),
        (QUEUE, f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs", QUEUE_ARN),
        (QUEUE, f"https://eu-west-1.queue.amazonaws.com/{ACCOUNT}/jobs", QUEUE_ARN),
        (QUEUE, f"http://127.0.0.1:4566/{ACCOUNT}/jobs", QUEUE_ARN),  # a local endpoint
        (QUEUE, QUEUE_ARN, QUEUE_ARN),
        (QUEUE, "jobs", QUEUE_ARN),
        (EVENT_BUS, "default", BUS),
        (EVENT_BUS, BUS, BUS),
        (TOPIC, TOPIC_ARN, TOPIC_ARN),
        (TOPIC, "news", TOPIC_ARN),
        (STATE_MACHINE, MACHINE, MACHINE),
        (STATE_MACHINE, "flow", MACHINE),
        (PIPELINE, "deploy", PIPELINE_ARN),
        (PIPELINE, PIPELINE_ARN, PIPELINE_ARN),
        (FUNCTION, "notify", FUNCTION_ARN),
        (FUNCTION, f"{ACCOUNT}:function:notify", FUNCTION_ARN),
        (FUNCTION, FUNCTION_ARN, FUNCTION_ARN),
        (FUNCTION, "notify:prod", ALIAS_ARN),
        (FUNCTION, ALIAS_ARN, ALIAS_ARN),
    ],
)
def test_each_form_of_a_listed_target_resolves_to_its_arn(kind: Kind, given: str, arn: str):
    # When / Then
    assert resolve(kind, given) == arn


def test_the_call_goes_to_the_listed_queue_not_the_host_the_script_wrote():
    # Given a URL on another host, for the listed account and name
    target = AllowList(LISTED).resolve(QUEUE, f"https://evil.example/{ACCOUNT}/jobs", "act")

    # Then the queue URL is built from the listed ARN
    assert target.queue_url == f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs"
    assert (target.region, target.account, target.name) == ("eu-west-1", ACCOUNT, "jobs")


def test_china_queue_urls_use_their_partition_domain():
    # Given
    arn = f"arn:aws-cn:sqs:cn-north-1:{ACCOUNT}:jobs"

    # When
    target = listed_target(QUEUE, arn)

    # Then
    assert target.queue_url == f"https://sqs.cn-north-1.amazonaws.com.cn/{ACCOUNT}/jobs"


# what is not listed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (BUILD_PROJECT, "build-api"),  # another name
        (BUILD_PROJECT, PROJECT.replace("eu-west-1", "us-east-1")),  # another region
        (BUILD_PROJECT, PROJECT.replace(ACCOUNT, OTHER_ACCOUNT)),  # another account
        (BUILD_PROJECT, PROJECT.replace("arn:aws:", "arn:aws-cn:")),  # another partition
        (QUEUE, f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/jobs"),  # region in the host
        (QUEUE, f"https://sqs.eu-west-1.amazonaws.com/{OTHER_ACCOUNT}/jobs"),
        (EVENT_BUS, "orders"),
        (FUNCTION, "notify:dev"),  # another alias of a listed function
        (FUNCTION, f"{OTHER_ACCOUNT}:function:notify"),
        (STATE_MACHINE, "flow:1"),  # a version of a listed (unqualified) state machine
    ],
)
def test_a_target_that_is_not_listed_is_refused(kind: Kind, given: str):
    # When / Then
    with pytest.raises(ActionRefused, match=f"not listed in {kind.parameter}"):
        resolve(kind, given)


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_list_allows_nothing(kind: Kind):
    # Given the default: nothing listed
    empty = AllowList({})

    # When / Then even a well-formed ARN of that kind is refused
    with pytest.raises(ActionRefused, match=f"is not listed in {kind.parameter}"):
        empty.resolve(kind, LISTED[kind][0], "act")


def test_refusal_names_the_action_the_target_and_the_parameter():
    # When
    with pytest.raises(ActionRefused) as refused:
        AllowList({}).resolve(BUILD_PROJECT, "build-api", "start_build")

    # Then
    assert str(refused.value) == (
        "aws.start_build: project build-api is not listed in ActionBuildProjectArns"
    )


def test_a_name_listed_in_two_regions_must_be_named_by_its_arn():
    # Given the same project listed in two regions
    other = PROJECT.replace("eu-west-1", "us-east-1")
    listed = {BUILD_PROJECT: [PROJECT, other]}

    # When / Then the name alone is ambiguous; each ARN is not
    with pytest.raises(ActionRefused, match="matches 2 entries of ActionBuildProjectArns"):
        resolve(BUILD_PROJECT, "build-web", listed)
    assert resolve(BUILD_PROJECT, other, listed) == other


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (BUILD_PROJECT, TOPIC_ARN),  # an ARN of another service
        (BUILD_PROJECT, "bad name!"),
        (BUILD_PROJECT, ""),
        (QUEUE, f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs/extra"),
        (QUEUE, "https://sqs.eu-west-1.amazonaws.com/not-an-account/jobs"),
        (QUEUE, f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs?Action=Purge"),
        (EVENT_BUS, f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/default"),
        (FUNCTION, f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:notify"),
        (FUNCTION, "notify:prod:extra"),
        (STATE_MACHINE, f"arn:aws:states:eu-west-1:{ACCOUNT}:execution:flow:1"),
    ],
)
def test_a_malformed_reference_is_an_error_naming_the_kind(kind: Kind, given: str):
    # When / Then
    with pytest.raises(ActionError, match=f"is not a {kind.noun} name or ARN") as error:
        resolve(kind, given)
    assert not isinstance(error.value, ActionRefused)


# what a deployment may list ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "arn"),
    [
        (FUNCTION, f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:*"),  # wildcards are not names
        (BUILD_PROJECT, f"arn:aws:codebuild:eu-west-1:{ACCOUNT}:project/*"),
        (BUILD_PROJECT, "build-web"),  # a name, not an ARN
        (QUEUE, f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs"),
        (TOPIC, QUEUE_ARN),
        (PIPELINE, f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:deploy/extra"),
    ],
)
def test_listing_anything_but_an_arn_of_its_kind_is_refused(kind: Kind, arn: str):
    # When / Then
    with pytest.raises(ValueError, match=f"{kind.parameter}: .* is not the ARN of a"):
        AllowList({kind: [arn]})


def test_settings_read_comma_separated_lists_and_refuse_what_is_not_listable():
    # Given the lists as the template joins them: empty, or ARNs separated by commas
    environ = {"ACTION_BUILD_PROJECT_ARNS": f"{PROJECT},{PROJECT.replace('web', 'api')}"}

    # When
    settings = Settings.from_environ(environ | {"ACTION_QUEUE_ARNS": ""})

    # Then
    assert settings.action_build_project_arns == (PROJECT, PROJECT.replace("web", "api"))
    assert settings.action_queue_arns == ()
    with pytest.raises(
        ValidationError, match=r"ActionFunctionArns: .* is not the ARN of a function"
    ):
        Settings.from_environ({"ACTION_FUNCTION_ARNS": FUNCTION_ARN.replace("notify", "*")})


def test_each_kind_names_its_setting_after_its_parameter():
    # Then
    assert [kind.setting for kind in KINDS] == [
        "action_event_bus_arns",
        "action_queue_arns",
        "action_topic_arns",
        "action_state_machine_arns",
        "action_build_project_arns",
        "action_pipeline_arns",
        "action_function_arns",
    ]
