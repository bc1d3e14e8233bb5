"""Cold-start imports from the engine layer as Lambda loads it.

A replica of the layer is built for this machine the way `layers/engine/Makefile` builds it
for Lambda (pip into `python/`, then the engine), and the handlers are imported from it by
fresh interpreters that cannot write bytecode (`-B`, as /opt is read-only on Lambda) and see
nothing else (`-I`): first without bytecode, as a layer built without it ships, then with the
bytecode the Makefile ships. `import boto3` from the same directory is the yardstick.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LAYER = REPO / "layers" / "engine"
FUNCTIONS = {"ingest": "ingest.handler", "process": "process.handler", "admin": "admin.handler"}
RUNS = 3


def layer_import_figures(deadline: float) -> dict[str, Any]:
    """Median import times (ms) of each handler and of boto3, without then with bytecode."""
    with tempfile.TemporaryDirectory(prefix="webhooks-layer-") as directory:
        root = Path(directory)
        _build(root)
        without = _imports(root, deadline)
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
             "unchecked-hash", str(root)],
            check=True,
        )  # fmt: skip
        with_bytecode = _imports(root, deadline)
    boto3 = with_bytecode.pop("boto3")
    return {
        "without_bytecode_ms": without,
        "with_bytecode_ms": with_bytecode | {"boto3": boto3},
        "ratio_to_boto3": {name: round(ms / boto3, 2) for name, ms in with_bytecode.items()},
    }


def _build(root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
         "--disable-pip-version-check", "--target", str(root / "python"),
         "-r", str(LAYER / "requirements.txt")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(LAYER / "webhook_engine", root / "python" / "webhook_engine", ignore=ignore)
    for name in FUNCTIONS:
        shutil.copytree(REPO / "src" / name / name, root / name / name, ignore=ignore)


def _imports(root: Path, deadline: float) -> dict[str, float]:
    figures = {
        name: _median_ms(root, [root / name, root / "python"], module, deadline)
        for name, module in FUNCTIONS.items()
    }
    figures["ingest, tracing on"] = _median_ms(
        root, [root / "ingest", root / "python"], "ingest.handler", deadline, tracing=True
    )
    figures["boto3"] = _median_ms(root, [root / "python"], "boto3", deadline)
    return figures


def _median_ms(
    root: Path, path: list[Path], module: str, deadline: float, tracing: bool = False
) -> float:
    """Median of RUNS imports of `module`, minus an interpreter that imports nothing."""
    code = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; import {module}"
    taken = statistics.median(_run(code, tracing, deadline) for _ in range(RUNS))
    bare = statistics.median(_run("pass", tracing, deadline) for _ in range(RUNS))
    return round((taken - bare) * 1000, 1)


def _run(code: str, tracing: bool, deadline: float) -> float:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-I", "-B", "-c", code],
        env=environment,
        check=True,
        capture_output=True,
        timeout=max(1.0, deadline - time.monotonic()),
    )
    return time.perf_counter() - started
