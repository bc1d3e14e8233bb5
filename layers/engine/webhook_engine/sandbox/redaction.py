"""Secret values out of what scripts leave behind: logs, summaries, errors and calls.

A script sees its provider's secrets (it needs them to check signatures) and may print, log or
raise them, on purpose or not. Before anything of a run is stored or logged, every known secret
value is replaced by `***`: as it is, and as `repr` or JSON would escape it. A secret the script
transforms first (reversed, encoded, one character at a time) is not recognised.

What a cut left of a secret is masked too (`domain/clipping.py`): a run of at least
MIN_FRAGMENT characters that begins a secret, followed by the cut mark or the end of the text.
This rule holds alone: it does not trust whoever cut the text (the script worker cuts logs,
summaries and errors without knowing which props are secret) to have masked first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

from webhook_engine.domain.clipping import CUT_MARK, MIN_FRAGMENT, forms
from webhook_engine.sandbox.supervisor import LogLine, ScriptOutcome

MASK = "***"


class Redactor:
    """Replaces the given secret values, and what cuts left of them, by `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        variants = {variant for secret in secrets for variant in forms(secret)}
        longest_first = sorted(variants, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest_first))) if variants else None
        # The variants a cut can leave a fragment of: longer than a fragment's minimum.
        self._cuttable = [variant for variant in longest_first if len(variant) > MIN_FRAGMENT]

    def text[T: (str, str | None)](self, text: T) -> T:
        if self._pattern is None or text is None:
            return text
        return self._cut_fragments(self._pattern.sub(MASK, text))

    def outcome(self, outcome: ScriptOutcome) -> ScriptOutcome:
        """The outcome with its logs, summary and error redacted."""
        if self._pattern is None:
            return outcome
        return dataclasses.replace(
            outcome,
            logs=[LogLine(line.level, self.text(line.message), line.at) for line in outcome.logs],
            summary=self.text(outcome.summary),
            error=self.text(outcome.error),
        )

    def _cut_fragments(self, text: str) -> str:
        """`text` with every fragment a cut left of a secret masked."""
        spans = [
            (start, cut)
            for cut in _cut_points(text)
            for variant in self._cuttable
            if (start := _fragment(text, cut, variant)) is not None
        ]
        for start, end in reversed(_merged(spans)):
            text = text[:start] + MASK + text[end:]
        return text


def _cut_points(text: str) -> Iterator[int]:
    """Where a cut may have been made: before each cut mark, and at the end."""
    found = text.find(CUT_MARK)
    while found >= 0:
        yield found
        found = text.find(CUT_MARK, found + len(CUT_MARK))
    yield len(text)


def _fragment(text: str, cut: int, variant: str) -> int | None:
    """Where the longest beginning of `variant` that ends at `cut` starts: at least
    MIN_FRAGMENT characters, and not all of it (a whole one is masked already)."""
    head = variant[:MIN_FRAGMENT]
    start = text.find(head, max(0, cut - len(variant) + 1), cut)
    while start >= 0:
        if text.startswith(variant[: cut - start], start):
            return start
        start = text.find(head, start + 1, cut)
    return None


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
