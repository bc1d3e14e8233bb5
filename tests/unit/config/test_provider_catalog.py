"""The provider catalog (`examples/providers/`): every file is a valid configuration, every
sender's signed example is matched by its own provider and by no other, a tampered copy by
none, and every sample function runs on its sender's example.

The match scripts get `verify` among their names, built from the message, as in the engine."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import partial

import pytest
import standardwebhooks
import stripe

from tests.providers import (
    CATALOG,
    ENTRIES,
    Entry,
    catalog,
    sign_github,
    sign_slack,
    tampered,
)
from webhook_engine.actions.facades import action_names
from webhook_engine.config.document import ConfigDocument
from webhook_engine.config.rules import check_script
from webhook_engine.domain.models import IncomingRequest, ProviderFields
from webhook_engine.pipeline.deliveries import delivery_id
from webhook_engine.sandbox import compile_script, run_script
from webhook_engine.sandbox.names import LogBook, RequestData, ScriptLog, script_names

SENT_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DOCUMENT = catalog()
PROVIDERS = {provider.name: provider for provider in DOCUMENT.providers}
IDS = [entry.provider for entry in ENTRIES]


def request(entry: Entry, body: bytes | None = None) -> IncomingRequest:
    """The request `entry`'s sender makes, signed for `body` (default: its example)."""
    body = entry.body if body is None else body
    headers = {name.lower(): value for name, value in entry.signed_headers(SENT_AT, body).items()}
    return IncomingRequest(
        request_id="r-1",
        method="POST",
        uri=entry.uri,
        headers=headers,
        body=body,
        source_ip="203.0.113.7",
        received_at=SENT_AT,
    )


def run(source: str, incoming: IncomingRequest, provider: ProviderFields) -> tuple[object, str]:
    """Run a script of `provider` on `incoming`, with `verify`; its result and summary (its
    toolkit calls answered True, as a `respond` that is the answer)."""
    props = {name: prop.value or "" for name, prop in provider.properties.items()}
    book = LogBook()
    fields = incoming.model_dump(include={"method", "uri", "query_string", "headers", "body"})
    data = RequestData(
        message_id="m-1",
        source_ip=incoming.source_ip,
        received_at=incoming.received_at,
        **fields,
    )
    names = script_names(data, props, ScriptLog(book)) | action_names(lambda *_: True)
    result = run_script(compile_script(source, "catalog"), names, 2.0, partial(book.add, "INFO"))
    return result, book.summary or ""


def matching(incoming: IncomingRequest) -> list[str]:
    """The catalog providers whose match script accepts `incoming`."""
    return [
        provider.name
        for provider in DOCUMENT.providers
        if run(provider.match_script, incoming, provider)[0]
    ]


def test_the_table_covers_every_catalog_file():
    # Given the files of examples/providers/
    files = {path.name for path in CATALOG.glob("*.yaml")}

    # Then each one has an entry, and each entry a file
    assert files == {entry.file for entry in ENTRIES}
    assert len(files) == 10


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_each_file_is_one_provider_whose_scripts_compile(entry):
    # When the file is read as a configuration document
    (provider,) = ConfigDocument.from_file(entry.path).providers

    # Then its provider is the one named, its scripts compile, its sample serves the URI,
    # and its secrets are placeholders
    assert provider.name == entry.provider
    check_script(provider.match_script, f"{provider.name} match_script")
    for function in provider.functions:
        check_script(function.script, f"{function.name} script")
    assert provider.functions[0].uri == entry.uri
    secrets = [prop for prop in provider.properties.values() if prop.secret]
    assert secrets
    assert {prop.value for prop in secrets} <= PLACEHOLDERS


# "change-me", and the same in base64 for the schemes whose secrets are base64
PLACEHOLDERS = {"change-me", "whsec_" + base64.b64encode(b"change-me").decode()}


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_each_file_as_shipped_verifies_its_sender_signing_with_the_placeholders(entry):
    # Given the file as shipped, and its sender's example signed with the file's own values
    (shipped,) = ConfigDocument.from_file(entry.path).providers
    values = {name: prop.value or "" for name, prop in shipped.properties.items()}
    signed = Entry(**{**entry.__dict__, "props": {n: values[n] for n in entry.props}})

    # When its match script runs on that request
    matched, _ = run(shipped.match_script, request(signed), shipped)

    # Then it matches: no placeholder is a secret the scheme can never verify with
    assert matched


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_each_example_payload_is_json(entry):
    # When the example is parsed
    payload = json.loads(entry.body)

    # Then it is an object, as every sender of the catalog sends
    assert isinstance(payload, dict)
    assert payload


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_a_signed_example_is_matched_by_its_provider_alone(entry):
    # Given the sender's example, signed as the sender signs it, every provider holding the
    # same secret
    incoming = request(entry)

    # When every catalog provider's match script runs on it
    matched = matching(incoming)

    # Then only its own provider matches: the sender checks keep the others away
    assert matched == [entry.provider]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_a_forged_copy_is_matched_by_none(entry):
    # Given a copy of the example with one byte changed: in the body under the example's
    # signature, or in the token of a sender that signs nothing
    body, headers = entry.forged(SENT_AT)
    incoming = request(entry).model_copy(
        update={"body": body, "headers": {name.lower(): value for name, value in headers.items()}}
    )

    # When every match script runs on it
    matched = matching(incoming)

    # Then no provider matches
    assert (body, headers) != (entry.body, entry.signed_headers(SENT_AT))
    assert matched == []


TOKEN_SENDERS = [entry for entry in ENTRIES if not entry.signs_body]


@pytest.mark.parametrize("entry", TOKEN_SENDERS, ids=[entry.provider for entry in TOKEN_SENDERS])
def test_a_token_does_not_protect_the_body(entry):
    # Given a token sender's example with one body byte changed, and the right token
    incoming = request(entry).model_copy(update={"body": tampered(entry.body)})

    # Then its provider still matches: the README says so, and to use HTTPS
    assert matching(incoming) == [entry.provider]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_the_sample_function_runs_on_its_senders_example(entry):
    # Given the sample function of the entry's provider
    provider = PROVIDERS[entry.provider]
    function = provider.functions[0]

    # When it runs on the signed example
    _, summary = run(function.script, request(entry), provider)

    # Then it summarised the message
    assert summary


# A Slack url_verification carries no event_id (only Events API callbacks do).
WITHOUT_DELIVERY_ID = {"Slack"}


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_deduplicating_providers_find_the_senders_delivery_id(entry):
    # Given the provider's de-duplication rule
    rule = PROVIDERS[entry.provider].deduplicate

    # When the delivery id is read from the sender's example
    found = delivery_id(rule, request(entry)) if rule else None

    # Then every deduplicating provider finds one in what its sender sends
    assert (found is not None) is (rule is not None and entry.provider not in WITHOUT_DELIVERY_ID)


# The signers against vendors' documented examples and vendors' own libraries -------------


def test_github_signer_gives_githubs_documented_signature():
    # When GitHub's documented secret and payload are signed
    headers = sign_github(b"Hello, World!", {"SECRET": "It's a Secret to Everybody"}, SENT_AT, {})

    # Then
    assert headers["X-Hub-Signature-256"] == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_slack_signer_gives_slacks_documented_signature():
    # Given Slack's documented request body, secret and timestamp
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        b"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook"
        b"-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977"
        b"00885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d1"
        b"0d2c447fce8b6703c"
    )
    at = datetime.fromtimestamp(1531420618, UTC)

    # When
    headers = sign_slack(body, {"SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}, at, {})

    # Then
    assert headers == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }


def entry_named(name: str) -> Entry:
    return next(entry for entry in ENTRIES if entry.provider == name)


def test_stripe_signer_verifies_with_stripes_library():
    # Given the Stripe example, signed now (the library checks against its own clock)
    entry = entry_named("Stripe")
    now = datetime.now(UTC)

    # When
    header = entry.signed_headers(now)["Stripe-Signature"]

    # Then
    assert stripe.WebhookSignature.verify_header(
        entry.body.decode(), header, entry.props["SECRET"], tolerance=60
    )


def test_standard_signer_verifies_with_the_standard_webhooks_library():
    # Given the Standard Webhooks example, signed now
    entry = entry_named("Standard Webhooks")
    headers = entry.signed_headers(datetime.now(UTC))

    # When the reference library verifies it
    verified = standardwebhooks.Webhook(entry.props["SECRET"]).verify(entry.body, headers)

    # Then it reads the payload back
    assert verified == json.loads(entry.body)
    assert base64.b64decode(entry.props["SECRET"].removeprefix("whsec_"))
