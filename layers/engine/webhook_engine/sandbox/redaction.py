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
from collections import defaultdict
from collections.abc import Iterable

from webhook_engine.domain.clipping import CUT_MARK, MIN_FRAGMENT, forms
from webhook_engine.sandbox.supervisor import LogLine, ScriptOutcome

MASK = "***"


class Redactor:
    """Replaces the given secret values, and what cuts left of them, by `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        variants = {variant for secret in secrets for variant in forms(secret)}
        longest_first = sorted(variants, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest_first))) if variants else None
        # Variants that a cut can leave a fragment of, by their first MIN_FRAGMENT characters.
        self._by_start: dict[str, list[str]] = defaultdict(list)
        for variant in longest_first:
            if len(variant) > MIN_FRAGMENT:
                self._by_start[variant[:MIN_FRAGMENT]].append(variant)
        starts = "|".join(map(re.escape, self._by_start))
        self._starts = re.compile(f"(?=({starts}))") if starts else None

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
        if self._starts is None:
            return text
        spans = [
            span
            for found in self._starts.finditer(text)
            for variant in self._by_start[found.group(1)]
            if (span := _cut_fragment(text, found.start(), variant)) is not None
        ]
        for start, end in reversed(_merged(spans)):
            text = text[:start] + MASK + text[end:]
        return text


def _cut_fragment(text: str, start: int, variant: str) -> tuple[int, int] | None:
    """The span from `start` that is a proper beginning of `variant` of at least MIN_FRAGMENT
    characters and ends where the text was cut (the cut mark, or the end), the longest."""
    matched = _matched(text, start, variant)
    last = start + min(matched, len(variant) - 1)
    if last == len(text):
        return start, last
    cut = text.rfind(CUT_MARK, start + MIN_FRAGMENT, last + len(CUT_MARK))
    return (start, cut) if cut >= 0 else None


def _matched(text: str, start: int, variant: str) -> int:
    """How many characters of `variant` the text holds from `start` (MIN_FRAGMENT at least)."""
    low, high = MIN_FRAGMENT, min(len(variant), len(text) - start)
    while low < high:
        middle = (low + high + 1) // 2
        if text.startswith(variant[:middle], start):
            low = middle
        else:
            high = middle - 1
    return low


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
