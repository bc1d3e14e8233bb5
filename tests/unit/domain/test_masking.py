"""Credentials in headers and query strings: masked in views, by class of name."""

from __future__ import annotations

import pytest

from webhook_engine.domain.masking import (
    MASK,
    mask_headers,
    mask_parameters,
    mask_query_string,
)

# What vendors and proxies send credentials in (signatures, tokens, keys, cookies).
CREDENTIAL_HEADERS = [
    "Authorization",
    "proxy-authorization",
    "cookie",
    "x-hub-signature",
    "x-hub-signature-256",
    "stripe-signature",
    "x-slack-signature",
    "webhook-signature",
    "x-shopify-hmac-sha256",
    "x-gitlab-token",
    "x-api-key",
    "x-auth-token",
    "x-webhook-secret",
    "x-twilio-signature",
    "x-csrf-token",
    "x-amz-security-token",
]
# What they send beside them, which operators need to read.
PLAIN_HEADERS = [
    "content-type",
    "user-agent",
    "x-github-event",
    "x-github-delivery",
    "x-event-key",
    "x-slack-request-timestamp",
    "webhook-id",
    "webhook-timestamp",
    "x-request-id",
]


@pytest.mark.parametrize("name", CREDENTIAL_HEADERS)
def test_credential_headers_are_masked(name):
    # When
    shown = mask_headers({name: "sha256=abc", "content-type": "application/json"})

    # Then
    assert shown == {name: MASK, "content-type": "application/json"}


@pytest.mark.parametrize("name", PLAIN_HEADERS)
def test_other_headers_are_shown(name):
    # Then
    assert mask_headers({name: "value"}) == {name: "value"}


@pytest.mark.parametrize(
    "name", ["token", "access_token", "api_key", "apikey", "key", "sig", "signature", "secret"]
)
def test_token_like_parameters_are_masked(name):
    # When
    shown = mask_parameters({name: "s3cr3t", "projectId": "123"}, MASK)

    # Then
    assert shown == {name: MASK, "projectId": "123"}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("", ""),
        ("projectId=123", "projectId=123"),
        ("token=abc&projectId=1", f"token={MASK}&projectId=1"),
        ("a=1&a=2&api%5Fkey=x", f"a=1&a=2&api%5Fkey={MASK}"),
        ("flag&key=x&", f"flag&key={MASK}&"),
        ("name=caf%C3%A9+au+lait", "name=caf%C3%A9+au+lait"),
    ],
)
def test_raw_query_strings_keep_everything_but_credentials(raw, shown):
    # Then
    assert mask_query_string(raw) == shown
