"""Figures for issue 21: scripts in CPython-in-WebAssembly next to today's process wall.

    python wasm/bench.py BUILD_DIR [--json]     (make wasm-bench)

The seed example (examples/config.yaml's GitHub match script and its two git/push functions,
one provider) and ten providers evaluated (ten match scripts that do not match), as
`make bench`'s "Script processes" runs them, in four walls: a fresh instance per provider
and message, of the command build (CPython starts in each) and of the pre-initialised one
(snapshot/); one reused instance, reset between messages; today's script processes. Medians
of per-message wall time, and CPU time per message (this process and its children); the
load average, since the machine is shared.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from host import Frame, Instance, Layer, Runtime

from webhook_engine.sandbox.supervisor import Sandbox, ScriptRun, _run_frame, script_request
from webhooks_bench.main import (
    PUSH_BODY,
    _github_provider,
    _in_process,
    _message,
    _props,
    _request_fields,
    github_headers,
)

FRESH_MESSAGES, REUSED_MESSAGES, PROCESS_MESSAGES, COLD_STARTS = 20, 200, 200, 5
Providers = list[list[ScriptRun]]


def layer_of(build: Path, snapshot: bool = False) -> Layer:
    """The command build (`_start`), or the pre-initialised one (snapshot/)."""
    arch, lib, app = os.uname().machine, build / "lib", build / "app"
    if snapshot:
        return Layer(build / f"snapshot-{arch}.cwasm", lib, app, "snapshot_serve")
    return Layer(build / f"python-{arch}.cwasm", lib, app)


def workloads() -> tuple[dict[str, Providers], dict[str, str], bytes]:
    """The seed example and ten providers evaluated, with a signed push's headers and body."""
    provider = _github_provider()
    props, body = _props(provider), PUSH_BODY.read_bytes()
    match = ScriptRun(provider["match_script"], "provider:GitHub", "match", props, 2.0)
    functions = [
        ScriptRun(function["script"], f"function:{function['name']}", "function", props, 30.0)
        for function in provider["functions"]
    ]
    refusing = ScriptRun(match.source, match.name, "match", {**props, "SECRET": "other"}, 2.0)
    loads = {"seed": [[match, *functions]], "ten": [[refusing]] * 10}
    return loads, github_headers(body, props["SECRET"]), body


class Conversation:
    """Drives one instance through providers' scripts, as ScriptProcess.run does: for each
    provider a request, its runs one after the other; between providers of a reused instance,
    a reset. Keeps every result, and when each provider finished."""

    def __init__(self, providers: Iterator[tuple[Any, list[ScriptRun]]], reset: bool) -> None:
        self._providers = providers
        self._reset = reset
        self._runs: list[ScriptRun] = []
        self._request: Any = None
        self._next_id = 0
        self.instance: Instance | None = None
        self.results: list[Frame] = []
        self.finished: list[float] = []

    def respond(self, frame: Frame) -> list[Frame]:
        if frame["type"] == "call":
            return [{"type": "reply", "id": frame["id"], "ok": False, "error": "refused"}]
        if frame["type"] == "result":
            self.results.append(frame)
        if self._runs:
            return [self._run()]
        if frame["type"] == "result":
            self.finished.append(time.perf_counter())
            if self._reset:
                return [{"type": "reset"}]
        return self._next_provider()

    def _next_provider(self) -> list[Frame]:
        following = next(self._providers, None)
        if following is None:
            return []  # stdin ends: the guest exits
        self._request, runs = following
        self._runs = list(runs)
        request = {
            "type": "request",
            "key": str(self._request.key),
            "request": self._request.fields,
        }
        return [request, self._run()]

    def _run(self) -> Frame:
        run = self._runs.pop(0)
        self._next_id += 1
        assert self.instance is not None
        self.instance.allow(run.timeout)
        return _run_frame(self._next_id, self._request, run)


def _check(results: list[Frame], providers: Providers, matches: bool) -> None:
    if not all(result["ok"] for result in results) or results[0]["truthy"] != matches:
        raise SystemExit(f"the scripts failed in the instance: {results[:3]}")
    if len(results) != sum(len(runs) for runs in providers):
        raise SystemExit(f"{len(results)} results for {providers}")


def fresh_message(runtime: Runtime, providers: Providers, request: Any, matches: bool) -> None:
    """One message, each provider's scripts in a fresh instance."""
    for runs in providers:
        conversation = Conversation(iter([(request, runs)]), reset=False)
        instance = Instance(runtime, conversation.respond)
        conversation.instance = instance
        outcome = instance.run()
        if outcome.exit_code != 0:
            raise SystemExit(f"the instance ended: {outcome}")
        _check(conversation.results, [runs], matches)


def reused_messages(
    runtime: Runtime, providers: Providers, requests: list[Any], matches: bool
) -> tuple[list[float], float]:
    """Many messages through one reused instance, reset between providers: seconds each, and
    the instance's linear memory (MB) at the end."""
    sequence = ((request, runs) for request in requests for runs in providers)
    conversation = Conversation(sequence, reset=True)
    instance = Instance(runtime, conversation.respond, warm=True)
    conversation.instance = instance
    started = time.perf_counter()
    outcome = instance.run()
    if outcome.exit_code != 0:
        raise SystemExit(f"the reused instance ended: {outcome.trap or outcome.exit_code}")
    _check(conversation.results, providers * len(requests), matches)
    ends = conversation.finished[len(providers) - 1 :: len(providers)]
    seconds = [b - a for a, b in zip([started, *ends[:-1]], ends, strict=True)][1:]
    return seconds, instance.memory_mb()


def _cpu() -> float:
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(operation: Callable[[], object], runs: int) -> dict[str, float]:
    """Median wall milliseconds of `operation`, and CPU milliseconds per run (mean)."""
    walls, cpu = [], _cpu()
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        walls.append(time.perf_counter() - started)
    return _figures(walls, (_cpu() - cpu) / runs)


def _figures(walls: list[float], cpu: float) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(walls) * 1000, 3),
        "p90_ms": round(sorted(walls)[int(len(walls) * 0.9)] * 1000, 3),
        "cpu_ms": round(cpu * 1000, 3),
        "runs": len(walls),
    }


def wasm_figures(build: Path) -> dict[str, Any]:
    runtime, snapshot = Runtime(layer_of(build)), Runtime(layer_of(build, snapshot=True))
    loads, headers, body = workloads()
    figures: dict[str, Any] = {}
    for name, providers in loads.items():
        matches = name == "seed"
        request = script_request(**_request_fields(headers, body))
        figures[f"{name}_fresh"] = timed(
            partial(fresh_message, runtime, providers, request, matches), FRESH_MESSAGES
        )
        figures[f"{name}_fresh_snapshot"] = timed(
            partial(fresh_message, snapshot, providers, request, matches), PROCESS_MESSAGES
        )
        requests = [
            script_request(**_request_fields(headers, body)) for _ in range(REUSED_MESSAGES)
        ]
        cpu = _cpu()
        seconds, memory = reused_messages(runtime, providers, requests, matches)
        figures[f"{name}_reused"] = _figures(seconds, (_cpu() - cpu) / len(requests))
        figures[f"{name}_reused"]["linear_memory_mb_at_end"] = memory
        figures[f"{name}_in_process"] = timed(
            partial(_in_process, providers[0] * len(providers), body, headers), PROCESS_MESSAGES
        )
    return figures


def process_wall_figures() -> dict[str, Any]:
    """Today's wall, per message: a fresh script process per provider (make bench's parts)."""
    loads, headers, body = workloads()
    figures: dict[str, Any] = {}
    for name, providers in loads.items():
        sandbox = Sandbox()
        _message(sandbox, headers, body, providers, matches=name == "seed")  # warm
        cpu = _cpu()
        walls = []
        for _ in range(PROCESS_MESSAGES):
            started = time.perf_counter()
            _message(sandbox, headers, body, providers, matches=name == "seed")
            walls.append(time.perf_counter() - started)
        sandbox.close()  # reaps the zygote: its CPU and its processes' count as children's
        figures[f"{name}_process"] = _figures(walls, (_cpu() - cpu) / PROCESS_MESSAGES)
    return figures


def cold_starts(build: Path, *options: str) -> dict[str, Any]:
    """Each in a fresh interpreter: from importing wasmtime to the first script's result."""
    runs = []
    for _ in range(COLD_STARTS):
        found = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("cold.py")), str(build), *options],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(found.stdout))
    return {key: round(statistics.median(run[key] for run in runs), 1) for key in runs[0]}


def process_memory() -> dict[str, float]:
    """A script process's memory once it ran the seed example: resident, and its share of
    the pages it shares with the zygote and its siblings (PSS), MB."""
    loads, headers, body = workloads()
    sandbox = Sandbox()
    request = script_request(**_request_fields(headers, body))
    with sandbox.process() as process:
        for run in loads["seed"][0]:
            process.run(request, run)
        rollup = Path(f"/proc/{process.pid}/smaps_rollup").read_text().splitlines()
    sandbox.close()
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:]}
    return {"rss_mb": fields["Rss"] / 1024, "pss_mb": fields["Pss"] / 1024}


def process_cold_starts() -> dict[str, float]:
    """Today's cold start: the zygote, its probe, the first process, the first result."""
    loads, headers, body = workloads()
    walls, cpu = [], _cpu()
    for _ in range(COLD_STARTS):
        sandbox = Sandbox()
        started = time.perf_counter()
        _message(sandbox, headers, body, [loads["seed"][0][:1]])
        walls.append(time.perf_counter() - started)
        sandbox.close()
    return _figures(walls, (_cpu() - cpu) / COLD_STARTS)


def main(arguments: list[str]) -> int:
    build = Path(arguments[0])
    figures = {
        "load_average_before": os.getloadavg(),
        "cold_start_wasm": cold_starts(build),
        "cold_start_wasm_snapshot": cold_starts(build, "--snapshot"),
        "cold_start_process": process_cold_starts(),
        "per_message": wasm_figures(build) | process_wall_figures(),
        "script_process_memory": process_memory(),
        "load_average_after": os.getloadavg(),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
