"""Cold-start imports of every handler from the engine layer as Lambda loads it.

The layer is built by `layers/engine/Makefile`, the recipe `sam build` runs, for this machine's
platform instead of Lambda's arm64; the handlers are imported from it by fresh interpreters
that cannot write bytecode (`-B`, as /opt is read-only on Lambda) and see nothing else (`-I`),
with LAMBDA_TASK_ROOT set so that X-Ray's SDK behaves as in Lambda. Each handler is measured
with tracing off and on; `import boto3` from the same layer is the yardstick. Figures are the
CPU time (user and system) of the interpreter, the least of RUNS runs, minus a bare
interpreter's: an import is CPU-bound, and on a shared machine its CPU time is what others
disturb least (wall time there is mostly waiting for a core).
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from webhooks_bench.load import BenchError, remaining

REPO = Path(__file__).resolve().parents[2]
LAYER = REPO / "layers" / "engine"
FUNCTIONS = ("ingest", "process", "admin", "sweeper")
RUNS = 7
TOP_IMPORTS = 8
# What no handler can do without: boto3, pydantic with one model, Powertools' logger and metrics.
LIBRARIES = (
    "import boto3, pydantic, aws_lambda_powertools.logging, aws_lambda_powertools.metrics; "
    "pydantic.create_model('M', x=(int, 0)).model_validate({'x': 1})"
)


def layer_import_figures(deadline: float) -> dict[str, Any]:
    """Import times (ms) of each handler, tracing off and on, of boto3 and of the libraries every
    handler needs, and where the ingest handler's goes by package; then the ingest handler and
    boto3 again without the bytecode."""
    with tempfile.TemporaryDirectory(prefix="webhooks-layer-") as directory:
        root = Path(directory)
        _build(root)
        figures = _imports(root, deadline)
        _, trace = _run(root, "ingest", "import ingest.handler", deadline, importtime=True)
        figures["ingest_by_package_ms"] = time_by_package(trace, TOP_IMPORTS)
        for cache in (root / "python").rglob("__pycache__"):
            shutil.rmtree(cache)
        bare = figures["bare_ms"] / 1000
        figures["without_bytecode_ms"] = {
            "ingest": _ms(_least_cpu(root, "ingest", "import ingest.handler", deadline) - bare),
            "boto3": _ms(_least_cpu(root, "ingest", "import boto3", deadline) - bare),
        }
    return figures


def host_platform() -> str:
    """The wheel platform of this machine, as the Makefile's PLATFORM takes it."""
    return f"manylinux2014_{platform.machine()}"


def _build(root: Path) -> None:
    done = subprocess.run(
        ["make", "-s", "-C", str(LAYER), "build-EngineLayer", f"ARTIFACTS_DIR={root}",
         f"PYTHON={sys.executable}", f"PLATFORM={host_platform()}"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode:
        raise BenchError(f"layers/engine/Makefile failed:\n{done.stderr[-2000:]}")
    for name in FUNCTIONS:
        code = REPO / "src" / name / name
        shutil.copytree(code, root / name / name, ignore=shutil.ignore_patterns("__pycache__"))


def _imports(root: Path, deadline: float) -> dict[str, Any]:
    bare = {
        tracing: _least_cpu(root, "ingest", "pass", deadline, tracing) for tracing in (False, True)
    }
    off, on = {}, {}
    for name in FUNCTIONS:
        module = f"import {name}.handler"
        off[name] = _ms(_least_cpu(root, name, module, deadline) - bare[False])
        on[name] = _ms(_least_cpu(root, name, module, deadline, tracing=True) - bare[True])
    boto3 = _ms(_least_cpu(root, "ingest", "import boto3", deadline) - bare[False])
    libraries = _ms(_least_cpu(root, "ingest", LIBRARIES, deadline) - bare[False])
    return {
        "boto3_ms": boto3,
        "libraries_ms": libraries,
        "tracing_off_ms": off,
        "tracing_on_ms": on,
        "ratio_to_boto3": {
            "libraries": round(libraries / boto3, 2),
            "tracing_off": {name: round(ms / boto3, 2) for name, ms in off.items()},
            "tracing_on": {name: round(ms / boto3, 2) for name, ms in on.items()},
        },
        "bare_ms": _ms(bare[False]),
    }


def _least_cpu(root: Path, name: str, code: str, deadline: float, tracing: bool = False) -> float:
    """Least CPU seconds of RUNS interpreters running `code` in function `name`'s view."""
    return min(_run(root, name, code, deadline, tracing)[0] for _ in range(RUNS))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _run(
    root: Path,
    name: str,
    code: str,
    deadline: float,
    tracing: bool = False,
    importtime: bool = False,
) -> tuple[float, str]:
    """CPU seconds and stderr of `python -I -B -c code`, with the function's code and the layer
    on its path, as Lambda lays them out (/var/task, then /opt/python)."""
    task = root / name
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(task),
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
    }
    path = [str(task), str(root / "python")]
    flags = ["-X", "importtime"] if importtime else []
    before = _children_cpu()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-I",
                "-B",
                *flags,
                "-c",
                f"import sys; sys.path[:0] = {path!r}; {code}",
            ],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
            timeout=remaining(deadline),
        )
    except subprocess.TimeoutExpired:
        raise BenchError("the benchmark ran past its time budget (--timeout)") from None
    except subprocess.CalledProcessError as error:
        raise BenchError(f"{code} failed in the layer:\n{error.stderr[-2000:]}") from None
    return _children_cpu() - before, done.stderr


def _children_cpu() -> float:
    """CPU seconds used by this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_by_package(importtime: str, count: int) -> dict[str, float]:
    """The `count` top-level packages whose own import time (ms, summed over their modules, so
    that nothing counts twice) is largest in `python -X importtime` output."""
    times: dict[str, float] = {}
    for line in importtime.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            package = fields[2].strip().split(".")[0]
            times[package] = times.get(package, 0.0) + int(fields[0]) / 1000
    ranked = sorted(times.items(), key=lambda item: -item[1])[:count]
    return {package: round(ms, 1) for package, ms in ranked}
