"""The pages hold together: every fenced block is one the docs' tests run or check, every link
reaches a page and a heading that exist, every reference to the docs from code, comments and
configuration names a page and a section that exist, and the two places that name paths (the
layout in CONTRIBUTING.md, the "Code" table of docs/architecture.md) match the tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.samples import LANGUAGES, PAGES, REPO, blocks, every_block

ILLUSTRATIVE_AT_MOST = 3
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.*)$")
# A page (README, CONTRIBUTING.md, docs/...), then maybe a section's title in double quotes
_REFERENCE = re.compile(r"(README|CONTRIBUTING\.md|docs/[\w/.-]+\.md)(?:,?\s+\(?\"([^\"]+)\")?")
ENGINE = REPO / "layers/engine/webhook_engine"


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def headings(page: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return [m[1] for line in text.splitlines() if (m := _HEADING.match(line))]


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in headings(page):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def test_every_block_is_run_or_checked():
    # Given every fenced block of the docs
    found = every_block()

    # When / Then each has a language the docs' tests know, and few are only illustrative
    assert [b.where for b in found if b.language not in LANGUAGES] == []
    assert len([b for b in found if b.illustrative]) <= ILLUSTRATIVE_AT_MOST


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_link_reaches_a_page_and_a_heading(page: Path):
    # Given the page's relative links
    text = page.read_text(encoding="utf-8")
    links = [m for m in _LINK.findall(text) if not re.match(r"[a-z]+:", m)]

    for link in links:
        # When the link is followed
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page

        # Then the file exists, and the heading if one is named
        assert target.exists(), f"{page.relative_to(REPO)}: {link}"
        if anchor:
            assert anchor in anchors(target), f"{page.relative_to(REPO)}: {link}"


def sources() -> list[Path]:
    """Code, comments and configuration that may point a reader at the docs."""
    roots = ["layers", "src", "local", "testbed", "bench", "sam", "cli", "tests", "examples", ".ci"]
    files = [p for root in roots for p in (REPO / root).rglob("*") if p.is_file()]
    kept = [
        p
        for p in files
        if p.suffix in {".py", ".yaml", ".toml", ""} and "__pycache__" not in p.parts
    ]
    return [*kept, REPO / "Makefile", REPO / "template.yaml"]


def test_every_reference_from_code_names_a_page_and_a_section():
    # Given every mention of a page of the docs in code, comments and configuration
    missing = []
    for source in sources():
        for page, quoted in _REFERENCE.findall(
            source.read_text(encoding="utf-8", errors="replace")
        ):
            # When the page and the section are looked up
            target = REPO / ("README.md" if page == "README" else page)
            titles = [h.lower() for h in headings(target)] if target.exists() else []
            section = " ".join(quoted.split())

            # Then both exist
            if not target.exists() or (section and not any(section.lower() in t for t in titles)):
                missing.append(f"{source.relative_to(REPO)}: {page}, {section!r}")
    assert missing == []


_ISSUE = re.compile(r"\bissue\s*#?\d+", re.IGNORECASE)


def test_nothing_names_a_tracker_issue():
    # Given the docs, and the code, comments and configuration that print or point to them
    files = [*PAGES, *sources()]

    # When each is searched for a tracker's issue number
    named = [
        f"{path.relative_to(REPO)}: {match[0]}"
        for path in files
        for match in _ISSUE.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]

    # Then none names one: a reader has no tracker to look it up in
    assert named == []


def test_the_architecture_code_table_names_every_engine_module():
    # Given the "Code" section of docs/architecture.md
    text = (REPO / "docs/architecture.md").read_text(encoding="utf-8")
    code = text.split("### Code", 1)[1].split("\n## ", 1)[0]

    # When each module of the engine is looked for in it
    modules = [p.relative_to(ENGINE) for p in ENGINE.rglob("*.py") if p.name != "__init__.py"]

    # Then it is named there, so that a reader finds every module in one hop
    assert [str(m) for m in modules if f"`{m.name}`" not in code and f"`{m}`" not in code] == []
    folders = {m.parts[0] for m in modules if len(m.parts) > 1}
    assert [f for f in sorted(folders) if f"`{f}/`" not in code] == []


def test_the_contributing_layout_names_paths_that_exist():
    # Given the layout block of CONTRIBUTING.md
    [layout] = [b for b in blocks(REPO / "CONTRIBUTING.md") if b.language == "text"]

    for line in layout.text.splitlines():
        # When the paths a line starts with are looked up
        paths = line.split("  ", 1)[0].split()

        # Then each exists
        assert [p for p in paths if not (REPO / p).exists()] == [], line
