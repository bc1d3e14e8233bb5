"""Cutting text to a bound: the cut is marked, and never splits a value it is told to keep
whole, wherever that value sits around the cut."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from webhook_engine.domain.clipping import CUT_MARK, clip, forms

VALUE = "k3y-0f-th3-pr0v1d3r\n"
LIMIT = 100


def test_text_within_the_limit_is_kept_as_it_is():
    # When / Then
    assert clip("x" * LIMIT, LIMIT) == "x" * LIMIT


def test_a_cut_is_marked_within_the_limit():
    # When
    cut = clip("x" * (LIMIT + 1), LIMIT)

    # Then
    assert cut == "x" * (LIMIT - len(CUT_MARK)) + CUT_MARK


@given(before=st.integers(min_value=0, max_value=LIMIT + 5), escaped=st.booleans())
def test_a_cut_never_splits_a_value_kept_whole(before, escaped):
    # Given the value (or its repr-escaped form) at any place around the cut
    shown = repr(VALUE)[1:-1] if escaped else VALUE
    text = "_" * before + shown + "_" * LIMIT

    # When
    cut = clip(text, LIMIT, keep_whole=[VALUE])

    # Then the kept text holds the value whole or not a character of it
    kept = cut.removesuffix(CUT_MARK)
    assert len(cut) <= LIMIT
    assert shown in kept or set(kept) <= {"_"}


def test_overlapping_values_move_the_cut_back_until_none_is_split():
    # Given two values overlapping each other across the cut
    text = "_" * 90 + "aaaabbbb" + "_" * 50
    cut = clip(text, 100, keep_whole=["aaaab", "abbbb"])

    # Then the cut is before both
    assert cut == "_" * 90 + CUT_MARK


def test_forms_are_the_value_as_it_is_and_escaped():
    # When / Then
    assert forms("a'b\"\n") == {"a'b\"\n", "a\\'b\"\\n", "a'b\\\"\\n"}
    assert forms("") == set()
