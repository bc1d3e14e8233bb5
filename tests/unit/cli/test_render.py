"""Tables and cells."""

from __future__ import annotations

from webhooks_cli.render import cell, table


def test_table_aligns_columns_and_cuts_long_cells() -> None:
    # When
    text = table(["A", "LONG NAME"], [["x" * 20, 1], ["y", None]], max_width=10)

    # Then
    assert text.splitlines() == [
        "A           LONG NAME",
        "xxxxxxxxx…  1",
        "y           -",
    ]


def test_empty_table() -> None:
    # When
    text = table(["A"], [])

    # Then
    assert text == "(none)"


def test_cells_show_the_first_line_and_booleans_as_words() -> None:
    # When
    cells = [cell("first\nsecond"), cell(True), cell(False), cell("")]

    # Then
    assert cells == ["first …", "yes", "no", "-"]
