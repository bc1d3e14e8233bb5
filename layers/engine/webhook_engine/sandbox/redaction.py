"""Secret values out of what scripts leave behind: logs, summaries and errors.

A script sees its provider's secrets (it needs them to check signatures) and may print, log or
raise them, on purpose or not. Before anything of a run is stored or logged, every known secret
value is replaced by `***`: as it is, and as `repr` or JSON would escape it. A secret the script
transforms first (reversed, encoded, one character at a time) is not recognised.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable

from webhook_engine.sandbox.supervisor import LogLine, ScriptOutcome

MASK = "***"


class Redactor:
    """Replaces the given secret values by `***` in text and in script outcomes."""

    def __init__(self, secrets: Iterable[str]) -> None:
        variants = {
            variant
            for secret in secrets
            if secret
            for variant in (secret, repr(secret)[1:-1], json.dumps(secret)[1:-1])
        }
        longest_first = sorted(variants, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest_first))) if variants else None

    def text[T: (str, str | None)](self, text: T) -> T:
        if self._pattern is None or text is None:
            return text
        return self._pattern.sub(MASK, text)

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
