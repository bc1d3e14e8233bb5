"""Every `yaml` block of the docs is a configuration document: each page's blocks are applied in
order, as a reader would apply them, to the template's stack on moto (tables and SSM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.samples import REPO, samples

DOCUMENTS = samples("yaml")
PAGES = sorted({block.page for block in DOCUMENTS})


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_each_pages_configuration_documents_apply_in_order(page: Path, configure):
    # Given the page's documents
    documents = [block for block in DOCUMENTS if block.page == page]

    for block in documents:
        # When each is applied to the stack
        plan = configure(block.text)

        # Then it was applied
        assert plan.applied, block.where
