"""Layer 3: known secret values never leave a run as they are."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from webhook_engine.domain.clipping import CUT_MARK, MIN_FRAGMENT, clip
from webhook_engine.sandbox.names import MAX_LOG_LENGTH, MAX_SUMMARY_LENGTH
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


# what a cut leaves of a secret -------------------------------------------------------------------

SECRET = "s3cr3t-t0k3n-0123456789abcdef"
# Text around the secret: no character of the secret, so that only the secret can leave a trace.
FILLER = st.text(alphabet="XYZ _:", max_size=60)


def secret_prefixes(text: str, secret: str = SECRET) -> list[str]:
    """The beginnings of `secret` (MIN_FRAGMENT characters or more) that `text` holds."""
    return [secret[:n] for n in range(MIN_FRAGMENT, len(secret) + 1) if secret[:n] in text]


@given(before=FILLER, after=FILLER, limit=st.integers(min_value=4, max_value=150))
def test_no_cut_of_a_marked_text_leaves_a_secrets_beginning(before, after, limit):
    # Given a text holding the secret, cut anywhere by whoever does not know it is one
    text = clip(before + SECRET + after, limit)

    # When it is redacted
    redacted = Redactor([SECRET]).text(text)

    # Then no beginning of the secret of MIN_FRAGMENT characters or more is left
    assert secret_prefixes(redacted) == []


@given(before=FILLER, limit=st.integers(min_value=0, max_value=120), tail=FILLER)
def test_no_unmarked_cut_at_the_end_leaves_a_secrets_beginning(before, limit, tail):
    # Given a text cut without a mark (at a frame's cap, by a careless or hostile cutter)
    text = (before + SECRET + tail)[:limit]

    # When / Then
    assert secret_prefixes(Redactor([SECRET]).text(text)) == []


@given(limit=st.integers(min_value=20, max_value=80), line=st.integers(min_value=1, max_value=999))
def test_a_cut_inside_an_error_message_leaves_nothing_of_a_secret(limit, line):
    # Given an error whose detail was cut (marked) and then framed, as the worker reports it
    detail = clip("KeyError: '" + SECRET + "'", limit)
    message = f"ScriptError: {detail} (line {line})"

    # When / Then
    assert secret_prefixes(Redactor([SECRET]).text(message)) == []


@given(cut=st.integers(min_value=1, max_value=len(repr("x\n" + SECRET)) - 1))
def test_a_cut_of_an_escaped_secret_is_masked_too(cut):
    # Given a secret holding a newline, logged as repr escapes it, cut anywhere
    secret = "x\n" + SECRET
    escaped = repr(secret)[1:-1]
    text = "log: " + escaped[:cut] + CUT_MARK

    # When
    redacted = Redactor([secret]).text(text)

    # Then (a beginning shorter than MIN_FRAGMENT may stay)
    assert secret_prefixes(redacted, escaped) == []


def test_a_fragment_shorter_than_the_minimum_stays_and_text_that_merely_begins_alike_is_kept():
    # Given
    redactor = Redactor([SECRET])

    # When / Then: three characters stay (the documented rule), four are masked
    assert redactor.text("key s3c...") == "key s3c..."
    assert redactor.text("key s3cr...") == "key ***..."
    assert redactor.text("key s3cr") == "key ***"
    # And a beginning that the text goes on from differently is no cut: kept
    assert redactor.text("s3cr3tive words") == "s3cr3tive words"


def test_an_outcome_cut_by_the_worker_at_its_caps_is_masked_by_the_engine_alone():
    # Given a worker's outcome whose log line, summary and error end inside the secret, cut
    # without a mark (the engine trusts no worker to have marked or masked)
    outcome = ScriptOutcome(
        logs=[LogLine("INFO", ("x" * 3990 + SECRET)[:MAX_LOG_LENGTH], AT)],
        summary=("y" * 490 + SECRET)[:MAX_SUMMARY_LENGTH],
        error=("RuntimeError: " + "z" * 1980 + SECRET)[:2000],
    )

    # When
    redacted = Redactor([SECRET]).outcome(outcome)

    # Then
    assert redacted.logs[0].message.endswith("x***")
    assert (redacted.summary or "").endswith("y***")
    assert (redacted.error or "").endswith("z***")


def test_a_text_full_of_cut_marks_and_beginnings_is_masked_at_each():
    # Given a script's log of many beginnings of the secret, each before a cut mark
    text = "".join(SECRET[:n] + "..." for n in range(4, 20)) * 20

    # When / Then every one is masked
    assert secret_prefixes(Redactor([SECRET]).text(text)) == []
