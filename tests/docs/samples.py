"""The code samples of the documentation, as fenced blocks: each one is run or checked by a test
of this package (or, for transcripts against the local stack, tests/e2e/test_doc_transcripts.py).

A block's info string is its language and, after it, words that say how to run it:

- `python`: a function script, run in a dry run in the sandbox; `python match`: a match script;
  `raises=Name`: the run fails with that error (`SyntaxError`: it does not compile).
- `yaml`: a configuration document, applied to the template's stack on moto.
- `console`: a shell transcript (`$ ` commands and what they print), run against a local stack.
- `bash`: commands that need AWS or a terminal of their own; each is checked against what it
  names (CLI arguments, make targets and variables, template parameters, files).
- `json`: a JSON document, parsed.
- `text`: diagrams, layouts and outputs: not code.
- `illustrative` after any language: shown, not run (kept few: CONTRIBUTING.md says when).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).parents[2]
PAGES = sorted(
    [page for page in (REPO / "README.md", REPO / "CONTRIBUTING.md") if page.exists()]
    + list((REPO / "docs").rglob("*.md"))
    + list((REPO / "examples").rglob("*.md"))
)
LANGUAGES = frozenset({"python", "yaml", "console", "bash", "json", "text"})
_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its info string and its text."""

    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    words: tuple[str, ...]  # the info string after the language
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def illustrative(self) -> bool:
        return "illustrative" in self.words

    def option(self, name: str) -> str | None:
        """The value of `name=value` in the info string."""
        return next((w.partition("=")[2] for w in self.words if w.startswith(name + "=")), None)


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, in order."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    opened: tuple[int, str, str] | None = None  # line, indent, info
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        fence = _FENCE.match(line)
        if opened is None and fence:
            opened, body = (number, fence["indent"], fence["info"].strip()), []
        elif opened is not None and fence and not fence["info"].strip():
            start, indent, info = opened
            language, *words = info.split() or [""]
            text = "\n".join(row.removeprefix(indent) for row in body)
            found.append(Block(page, start, language, tuple(words), text + "\n"))
            opened = None
        elif opened is not None:
            body.append(line)
    return found


def every_block() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def samples(language: str) -> list[Block]:
    """The blocks of `language` that are run or checked (not illustrative)."""
    return [b for b in every_block() if b.language == language and not b.illustrative]
