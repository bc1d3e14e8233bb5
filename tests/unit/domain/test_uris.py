"""The one rule that makes two spellings of a URI the same URI."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from webhook_engine.domain.models import FunctionFields
from webhook_engine.domain.uris import normalise_uri, require_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("git/push", "git/push"),
        ("/git/push", "git/push"),
        ("git/push/", "git/push"),
        ("/git//push/", "git/push"),
        ("git///push", "git/push"),
        (" git/push ", "git/push"),
        ("Git/Push", "Git/Push"),
        ("a", "a"),
        ("a/b/c", "a/b/c"),
        ("git/push?x=1", "git/push?x=1"),
        ("/", ""),
        ("", ""),
    ],
)
def test_normalise_uri(uri, expected):
    # Given one spelling of a URI
    # When / Then
    assert normalise_uri(uri) == expected


@pytest.mark.parametrize("uri", ["", "/", "//", " / "])
def test_a_uri_of_slashes_only_is_refused(uri):
    # Given a URI with nothing but slashes and spaces
    # When / Then
    with pytest.raises(ValueError, match="at least one character"):
        require_uri(uri)


def test_function_uris_are_normalised_by_the_model():
    # Given function fields as a request or a file gives them
    # When
    fields = FunctionFields(name="f", uri="/git//push/", script="pass")

    # Then
    assert fields.uri == "git/push"
    with pytest.raises(ValidationError, match="uri"):
        FunctionFields(name="f", uri="//", script="pass")
