"""`verify`: each sender's scheme against its documented example or its own library, and by
class of bad input: tampered, missing, malformed, stale, empty secrets. Never an exception."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
import stripe
from svix.webhooks import Webhook as SvixWebhook

from webhook_engine.sandbox.verify import Verify

ARRIVAL = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
NOW = int(ARRIVAL.timestamp())
BODY = b'{"id":"evt_1","type":"invoice.paid"}'


def verify(
    headers: dict[str, str] | None = None,
    body: bytes = BODY,
    query: dict[str, str] | None = None,
    source_ip: str = "192.30.252.10",
    received_at: datetime = ARRIVAL,
) -> Verify:
    return Verify(headers or {}, body, query or {}, source_ip, received_at)


def hex_hmac(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


# documented examples ----------------------------------------------------------------------


def test_github_documented_test_vector():
    # Given GitHub's example: this secret and payload give this signature
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    check = verify({"X-Hub-Signature-256": header}, b"Hello, World!")

    # Then
    assert check.github("It's a Secret to Everybody") is True
    assert check.github("another secret") is False


SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    b"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    b"collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770088"
    b"5554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447"
    b"fce8b6703c"
)
SLACK_HEADERS = {
    "X-Slack-Request-Timestamp": "1531420618",
    "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
}


@pytest.mark.parametrize(
    ("arrived", "expected"),
    [(0, True), (299, True), (-299, True), (301, False), (-301, False)],
)
def test_slack_documented_example_within_its_tolerance(arrived, expected):
    # Given Slack's documented request, arriving `arrived` seconds after its timestamp
    received = datetime.fromtimestamp(1531420618 + arrived, UTC)
    check = verify(SLACK_HEADERS, SLACK_BODY, received_at=received)

    # Then
    assert check.slack("8f742231b10e8888abcd99yyyzzz85a5") is expected


# vendors' own libraries as oracles ----------------------------------------------------------


def test_stripe_headers_made_by_stripes_library():
    # Given a header the stripe library signs, and one with a rolled secret next to it
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), "whsec_a", NOW)
    rolled = header + ",v1=" + hex_hmac("whsec_old", f"{NOW}.".encode() + BODY)

    # Then both verify with the secret, and neither with another
    assert verify({"Stripe-Signature": header}).stripe("whsec_a") is True
    assert verify({"Stripe-Signature": rolled}).stripe("whsec_a") is True
    assert verify({"Stripe-Signature": rolled}).stripe("whsec_b") is False


def test_stripes_library_accepts_what_ours_accepts():
    # Given a header built by the scheme
    header = f"t={NOW},v1=" + hex_hmac("whsec_a", f"{NOW}.".encode() + BODY)

    # Then stripe's own verifier agrees (within its tolerance of now, so no stale check)
    assert stripe.WebhookSignature.verify_header(BODY.decode(), header, "whsec_a", tolerance=None)
    assert verify({"Stripe-Signature": header}).stripe("whsec_a") is True


SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.mark.parametrize(
    ("library", "prefix"),
    [(standardwebhooks.Webhook, "webhook"), (SvixWebhook, "svix")],
    ids=["standardwebhooks", "svix"],
)
def test_standard_webhooks_signed_by_their_libraries(library, prefix):
    # Given a signature made by the library, and key rotation (two signatures)
    signature = library(SECRET).sign("msg_1", ARRIVAL, BODY.decode())
    headers = {
        f"{prefix}-id": "msg_1",
        f"{prefix}-timestamp": str(NOW),
        f"{prefix}-signature": f"v1,bm90IGl0 {signature}",
    }

    # Then
    assert verify(headers).standard(SECRET) is True
    assert verify(headers).standard(SECRET.removeprefix("whsec_")) is True
    assert verify(headers | {f"{prefix}-id": "msg_2"}).standard(SECRET) is False


# schemes by definition ----------------------------------------------------------------------


def test_bitbucket_shopify_gitlab_and_the_generic_hmac():
    # Given headers signed as each sender documents
    digest = hmac.new(b"s3cr3t", BODY, hashlib.sha256).digest()
    check = verify(
        {
            "X-Hub-Signature": "sha256=" + digest.hex(),
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Gitlab-Token": "t0ken",
            "X-Custom": "sha1=" + hmac.new(b"k", BODY, hashlib.sha1).hexdigest(),
        }
    )

    # Then
    assert check.bitbucket("s3cr3t") is True
    assert check.shopify("s3cr3t") is True
    assert check.gitlab("t0ken") is True
    assert check.hmac("k", "x-custom", algorithm="sha1", prefix="sha1=") is True
    assert check.hmac("k", "X-Custom", algorithm="md5", prefix="sha1=") is False


def test_basic_auth_token_and_addresses():
    # Given
    credentials = base64.b64encode(b"azure:devops").decode()
    check = verify(
        {"Authorization": f"Basic {credentials}", "X-Token": "abc"},
        query={"token": "xyz"},
        source_ip="2001:db8::5",
    )
    bearer = verify({"Authorization": "Bearer abc"})

    # Then
    assert check.basic_auth("azure", "devops") is True
    assert check.basic_auth("azure", "wrong") is False
    assert (check.token("abc", header="X-Token"), check.token("xyz", query="token")) == (True, True)
    assert (bearer.token("abc"), bearer.token("abd"), check.token("abc")) == (True, False, False)
    assert check.ip_in("10.0.0.0/8", "2001:db8::/32") is True
    assert check.ip_in("10.0.0.0/8", "not a network") is False


# classes of bad input -------------------------------------------------------------------------


def every_check(check: Verify) -> list[bool]:
    """Every helper, called as a script would, with the right secrets for BODY."""
    return [
        check.github("s"),
        check.gitlab("s"),
        check.bitbucket("s"),
        check.shopify("s"),
        check.slack("s"),
        check.stripe("s"),
        check.standard(SECRET),
        check.hmac("s", "x-signature"),
        check.basic_auth("u", "p"),
        check.token("s"),
        check.ip_in("10.0.0.0/8"),
    ]


MALFORMED = [
    "",
    " ",
    "sha256=",
    "sha256=zz",
    "v0=",
    "t=,v1=",
    "t=abc,v1=00",
    "t=²³,v1=00",
    "v1,@@@",
    "Basic ###",
    "Bearer",
    "é" * 50,
    "x" * 100_000,
    "\x00\x01",
]
HEADERS = [
    "x-hub-signature-256",
    "x-gitlab-token",
    "x-hub-signature",
    "x-shopify-hmac-sha256",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "stripe-signature",
    "webhook-signature",
    "webhook-timestamp",
    "webhook-id",
    "x-signature",
    "authorization",
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_headers_are_false_never_an_error(value):
    # Given every header any check reads, set to the same malformed value
    check = verify(dict.fromkeys(HEADERS, value), source_ip=value)

    # Then every check answers False
    assert every_check(check) == [False] * 11


def test_missing_headers_and_empty_secrets_are_false():
    # Given no header at all, and a GitHub header signed with an empty key
    bare = verify({})
    empty_key = verify({"x-hub-signature-256": "sha256=" + hex_hmac("", BODY)})

    # Then
    assert every_check(bare) == [False] * 11
    assert (empty_key.github(""), empty_key.hmac("", "x-hub-signature-256", prefix="sha256=")) == (
        False,
        False,
    )
    assert (bare.token(""), bare.standard(""), bare.standard("whsec_")) == (False, False, False)


def test_a_tampered_body_fails_every_signature():
    # Given headers valid for BODY
    headers = {
        "x-hub-signature-256": "sha256=" + hex_hmac("s", BODY),
        "stripe-signature": f"t={NOW},v1=" + hex_hmac("s", f"{NOW}.".encode() + BODY),
    }

    # When the body changed by one byte
    tampered = verify(headers, BODY.replace(b"paid", b"void"))

    # Then
    assert (verify(headers).github("s"), verify(headers).stripe("s")) == (True, True)
    assert (tampered.github("s"), tampered.stripe("s")) == (False, False)


def test_tolerance_is_measured_against_arrival_not_now():
    # Given a Stripe header signed when the message arrived, verified a day later (resubmit)
    header = f"t={NOW},v1=" + hex_hmac("s", f"{NOW}.".encode() + BODY)
    late = verify({"stripe-signature": header}, received_at=ARRIVAL + timedelta(days=1))

    # Then it verifies as on arrival, and a message that arrived late does not
    assert verify({"stripe-signature": header}).stripe("s") is True
    assert late.stripe("s") is False


# why a check failed ---------------------------------------------------------------------

STRIPE_SIGNED = f"t={NOW},v1=" + hex_hmac("s3cr3t-value", f"{NOW}.".encode() + BODY)


@pytest.mark.parametrize(
    ("headers", "check", "why"),
    [
        ({}, lambda v: v.github("s3cr3t-value"), "verify.github: X-Hub-Signature-256 missing"),
        (
            {"x-hub-signature-256": "sha1=abc"},
            lambda v: v.github("s3cr3t-value"),
            "verify.github: X-Hub-Signature-256 is not sha256=<hex>",
        ),
        (
            {"x-hub-signature-256": "sha256=" + hex_hmac("other", BODY)},
            lambda v: v.github("s3cr3t-value"),
            "verify.github: X-Hub-Signature-256 does not match the body with this secret",
        ),
        (
            {"stripe-signature": STRIPE_SIGNED.replace(str(NOW), str(NOW - 3600), 1)},
            lambda v: v.stripe("s3cr3t-value"),
            "verify.stripe: Stripe-Signature's t is 3600 s from the message's arrival"
            " (tolerance 300 s)",
        ),
        (
            {"webhook-timestamp": str(NOW), "webhook-signature": "v1,abc"},
            lambda v: v.standard("whsec_czNjcjN0"),
            "verify.standard: webhook-id (or svix-id) missing",
        ),
        (
            {"x-webhook-token": "wrong"},
            lambda v: v.token("s3cr3t-value", header="x-webhook-token"),
            "verify.token: x-webhook-token does not match the token",
        ),
    ],
    ids=["missing", "malformed", "bad signature", "stale", "no delivery id", "wrong token"],
)
def test_a_failed_check_says_which_part_failed_and_never_the_secret(headers, check, why):
    # Given a check that fails, for each class of reason
    notes: list[str] = []
    bound = Verify(headers, BODY, {}, "192.30.252.10", ARRIVAL, note=notes.append)

    # When it runs
    passed = check(bound)

    # Then it is False, and one note says why, naming no secret nor digest
    assert (passed, notes) == (False, [why])
    assert "s3cr3t" not in why
    assert hex_hmac("s3cr3t-value", BODY) not in why


def test_a_check_that_passes_notes_nothing():
    # Given a valid Stripe signature
    notes: list[str] = []
    bound = Verify({"stripe-signature": STRIPE_SIGNED}, BODY, {}, "10.0.0.1", ARRIVAL, notes.append)

    # Then
    assert (bound.stripe("s3cr3t-value"), notes) == (True, [])


def test_an_unpadded_standard_webhooks_secret_is_taken_as_their_library_takes_it():
    # Given a secret whose base64 leaves out its padding, and a message its library signed
    secret = "whsec_" + base64.b64encode(b"a key of 17 bytes").decode().rstrip("=")
    signer = standardwebhooks.Webhook(secret)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": signer.sign("msg_1", ARRIVAL, BODY.decode()),
    }

    # Then our check accepts it too
    assert "=" not in secret
    assert verify(headers).standard(secret) is True
