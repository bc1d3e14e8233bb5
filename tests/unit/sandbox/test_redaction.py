"""Layer 3: known secret values never leave a run as they are."""

from datetime import UTC, datetime

from webhook_engine.sandbox.redaction import Redactor
from webhook_engine.sandbox.supervisor import LogLine, ScriptOutcome

AT = datetime(2026, 11, 29, tzinfo=UTC)


def test_secret_values_are_masked_in_logs_summary_and_error():
    # Given an outcome that carries two secrets, one escaped as repr and JSON escape them
    secrets = ["s3cret", "it's\na secret"]
    outcome = ScriptOutcome(
        logs=[
            LogLine("INFO", "key s3cret", AT),
            LogLine("INFO", repr({"k": "it's\na secret"}), AT),
            LogLine("INFO", '{"k": "it\'s\\na secret"}', AT),
        ],
        summary="s3cret-s3cret",
        error="KeyError: 's3cret' (line 2)",
    )
    # When it is redacted
    redacted = Redactor(secrets).outcome(outcome)
    # Then no secret is left, in any of its escaped forms
    assert [line.message for line in redacted.logs] == [
        "key ***",
        "{'k': \"***\"}",
        '{"k": "***"}',
    ]
    assert redacted.summary == "***-***"
    assert redacted.error == "KeyError: '***' (line 2)"


def test_longer_secrets_win_over_their_prefixes():
    # Given a secret that contains another
    redactor = Redactor(["abc", "abcdef"])
    # When text carrying the longer one is redacted
    # Then it is masked whole
    assert redactor.text("x abcdef y abc") == "x *** y ***"


def test_without_secrets_nothing_changes():
    # Given no (or only empty) secret values
    outcome = ScriptOutcome(summary="plain")
    # When redacted
    # Then the same outcome comes back
    assert Redactor(["", ""]).outcome(outcome) is outcome
