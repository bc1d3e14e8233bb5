"""Cutting text to a bound without leaving a readable part of a secret behind.

Every cut of text that may hold a secret (logs, summaries, errors, call lines, recorded answers)
goes through `clip`, which marks the cut with CUT_MARK. Where the secrets are known, they are
masked before the cut (`sandbox/redaction.py`); and since a cut may have been made where they
were not (the script worker does not know which props are secret), redaction also masks what a
cut leaves of a secret: a run of at least MIN_FRAGMENT characters that begins a secret and is
followed by CUT_MARK or by the end of the text. At most MIN_FRAGMENT - 1 characters of a
secret's beginning can remain where a text was cut. Text a script chose to write before `...`
that happens to begin like a secret is masked too: the rule cannot tell them apart.

This module is shared by the engine and the script worker; it imports only the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

CUT_MARK = "..."
MIN_FRAGMENT = 4


def forms(secret: str) -> set[str]:
    """The forms in which a secret appears in text: as it is, and as `repr` and JSON escape it."""
    return {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]} if secret else set()


def clip(text: str, limit: int, keep_whole: Iterable[str] = ()) -> str:
    """`text` in at most `limit` characters, ending with CUT_MARK when it was cut. The cut never
    falls inside a form of a `keep_whole` value: it moves back to where that value starts."""
    if len(text) <= limit:
        return text
    end = limit - len(CUT_MARK)
    whole = {form for value in keep_whole for form in forms(value)}
    moved = True
    while moved:  # moving the cut back may split another value: until none is split
        moved = False
        for value in whole:
            start = text.find(value, max(0, end - len(value) + 1), end + len(value) - 1)
            if start >= 0:  # an occurrence the cut would split: cut before it
                end, moved = start, True
    return text[:end] + CUT_MARK
