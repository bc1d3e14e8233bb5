"""Compile python.wasm ahead of time for Lambda's two architectures, so that a cold start only
maps the machine code (`Module.deserialize_file`) instead of compiling 25 MB of WebAssembly.

    python wasm/precompile.py BUILD_DIR [NAME]   -> BUILD_DIR/NAME-x86_64.cwasm, NAME-aarch64.cwasm

NAME is `python` (python.wasm) unless given (`snapshot`: the pre-initialised module).

A precompiled module runs only on the wasmtime version and the engine configuration it was
compiled with (`host.engine_config`); wasmtime refuses any other. PyPI's wasmtime is built
without Cranelift's other backends (wasmtime's `all-arch` feature): it compiles for the
machine it runs on only, and an engine for another target fails to be made, which
wasmtime-py does not notice (the process then crashes). So each target is compiled in a
child process, and a target this build cannot make is reported, not fatal: the other
architecture's module is made by `make wasm-python` on a machine of that architecture.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from host import engine_config
from wasmtime import Engine, Module

TARGETS = {"x86_64": "x86_64-unknown-linux-gnu", "aarch64": "aarch64-unknown-linux-gnu"}


def compile_for(build: Path, name: str, arch: str) -> dict[str, float]:
    """Compile NAME.wasm for `arch` (in this process): seconds, CPU seconds, bytes."""
    started, cpu = time.perf_counter(), time.process_time()
    module = Module(Engine(engine_config(TARGETS[arch])), (build / f"{name}.wasm").read_bytes())
    target = build / f"{name}-{arch}.cwasm"
    target.write_bytes(module.serialize())
    return {
        "compile_seconds": round(time.perf_counter() - started, 1),
        "compile_cpu_seconds": round(time.process_time() - cpu, 1),
        "cwasm_bytes": target.stat().st_size,
    }


def precompile(build: Path, name: str) -> dict[str, object]:
    """Each target in a child process: its figures, or why it could not be made here."""
    figures: dict[str, object] = {}
    for arch in TARGETS:
        child = subprocess.run(
            [sys.executable, __file__, str(build), name, arch],
            check=False,
            capture_output=True,
            text=True,
        )
        figures[arch] = (
            json.loads(child.stdout)
            if child.returncode == 0
            else f"not made here: this wasmtime cannot compile for {arch} (exit {child.returncode})"
        )
    return figures


if __name__ == "__main__":
    build_dir, module_name = Path(sys.argv[1]), (sys.argv[2:] or ["python"])[0]
    if len(sys.argv) > 3:  # a child: one target
        print(json.dumps(compile_for(build_dir, module_name, sys.argv[3])))
        sys.exit(0)
    result = precompile(build_dir, module_name)
    info = build_dir / f"precompile-{module_name}.json"
    info.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
