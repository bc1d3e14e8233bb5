"""The IAM authorizer as the local gateway plays it: the stack's bearer token stands for SigV4."""

import pytest
from aws_lambda_powertools.utilities.parser.models import RequestContextV2AuthorizerIam

from webhooks_testbed.authorizer import bearer_authorizer, iam_authorizer

TOKEN = "s3cret-token"


@pytest.mark.parametrize(
    "value", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER  {TOKEN} ", f" Bearer {TOKEN}"]
)
def test_the_stack_token_gives_the_local_iam_identity(value):
    # When
    authorizer = bearer_authorizer([("Authorization", value)], TOKEN)

    # Then
    assert authorizer == iam_authorizer()


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ([("Authorization", f"Bearer {TOKEN}")], None),
        ([("Authorization", f"Bearer {TOKEN}")], ""),
        ([("Authorization", "Bearer ")], ""),
        ([("X-Authorization", f"Bearer {TOKEN}")], TOKEN),
        ([("Authorization", f"Token {TOKEN}")], TOKEN),
        ([("Authorization", f"Bearer {TOKEN}x")], TOKEN),
        ([("Authorization", "Bearer caf\u00e9")], TOKEN),
    ],
)
def test_anything_else_gives_no_identity(headers, token):
    # When / Then
    assert bearer_authorizer(headers, token) is None


def test_identity_has_the_fields_of_an_http_api_iam_authorizer():
    # When
    iam = iam_authorizer("ops")["iam"]

    # Then it has the fields an HTTP API sets (Powertools' model of them), an IAM user's ARN
    assert set(iam) == set(RequestContextV2AuthorizerIam.model_fields)
    assert RequestContextV2AuthorizerIam.model_validate(iam).userArn == iam["userArn"]
    assert iam["userArn"] == "arn:aws:iam::123456789012:user/ops"
    assert iam["cognitoIdentity"] is None
