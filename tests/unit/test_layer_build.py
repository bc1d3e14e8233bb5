"""The engine layer ships bytecode that Lambda uses as it is (make build, which make test runs
before the tests, builds it with layers/engine/Makefile)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BUILT = Path(__file__).parents[2] / ".aws-sam" / "build" / "EngineLayer" / "python"


@pytest.fixture
def built() -> Path:
    if not (BUILT / "webhook_engine").is_dir():
        pytest.skip("the layer is not built: make build")
    return BUILT


def test_every_module_of_the_layer_has_bytecode_that_needs_no_source_check(built):
    # Given every module of the built layer
    sources = [path for path in built.rglob("*.py") if "__pycache__" not in path.parts]

    # When their compiled files are looked up where Python 3.13 reads them
    compiled = [Path(importlib.util.cache_from_source(str(path))) for path in sources]
    missing = [str(path) for path in compiled if not path.is_file()]
    flags = {int.from_bytes(path.read_bytes()[4:8], "little") for path in compiled[:200]}

    # Then all exist, hash-based and unchecked (flags 0b01), so file times do not matter
    assert len(sources) > 500
    assert missing == []
    assert flags == {0b01}
    assert compiled[0].read_bytes()[:4] == importlib.util.MAGIC_NUMBER
