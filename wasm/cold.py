"""One cold start of a WebAssembly script instance, in an engine that has its own libraries
loaded (pydantic, the sandbox's frames): from importing wasmtime to the first script's result.

    python wasm/cold.py BUILD_DIR [--snapshot]      (bench.py runs it five times each)

Prints the phases (ms), the CPU time, the instance's linear memory and this process's peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from webhook_engine.sandbox.frames import FRAMES  # noqa: F401  (the engine has it loaded)
from webhook_engine.sandbox.supervisor import script_request
from webhooks_bench.main import _request_fields


def cold_once(build: Path, snapshot: bool) -> dict[str, float]:
    clock, cpu = time.perf_counter(), time.process_time()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = (now - clock) * 1000
        clock = now

    import host

    lap("import_wasmtime_ms")
    from bench import Conversation, layer_of, workloads

    runtime = host.Runtime(layer_of(build, snapshot))
    lap("engine_and_deserialize_ms")
    loads, headers, body = workloads()
    request = script_request(**_request_fields(headers, body))
    conversation = Conversation(iter([(request, loads["seed"][0][:1])]), reset=False)
    instance = host.Instance(runtime, conversation.respond)
    conversation.instance = instance
    lap("instantiate_ms")
    outcome = instance.run()
    lap("python_start_and_first_result_ms")
    if outcome.exit_code != 0 or not conversation.results[0]["truthy"]:
        raise SystemExit(f"cold start failed: {outcome}")
    return phases | {
        "total_ms": sum(phases.values()),
        "cpu_ms": (time.process_time() - cpu) * 1000,
        "linear_memory_mb": instance.memory_mb(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(cold_once(Path(sys.argv[1]), "--snapshot" in sys.argv)))
