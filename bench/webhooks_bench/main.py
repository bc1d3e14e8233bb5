"""`make bench` (`python -m webhooks_bench`): figures, no thresholds. The cost of a message, cold-start imports of
the handlers from the engine layer, the script sandbox, the local stack over HTTP next to a
peer's figures and the project's targets, and a load audit of mixed webhooks."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import io
import json
import secrets
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from webhook_engine.sandbox import compile_script, run_script
from webhook_engine.sandbox.names import LogBook, RequestData, ScriptLog, script_names
from webhook_engine.sandbox.supervisor import Sandbox, ScriptRun, script_request
from webhooks_bench.audit import check, send_mixed, write_config
from webhooks_bench.cold_start import RUNS as LAYER_RUNS
from webhooks_bench.cold_start import layer_import_figures
from webhooks_bench.costs import cost_figures
from webhooks_bench.list_costs import PAGE, list_figures
from webhooks_bench.load import (
    BenchError,
    Load,
    count_success,
    local_stack,
    run_load,
    wait_until_drained,
)
from webhooks_testbed.template import EXAMPLE_CONFIG, TEMPLATE_PATH

COMPILE_RUNS, CACHED_COMPILE_RUNS, SCRIPT_RUNS = 500, 20_000, 5_000
WORKER_STARTS, WORKER_MESSAGES = 5, 2_000
PUSH_BODY = TEMPLATE_PATH.parent / "tests" / "events" / "github_push.json"
WEBHOOK_PATH = "/webhooks/git/push?projectId=123"
SINGLE_CLIENT_REQUESTS = 100
# The project's targets for the local stack on 2 cores, printed next to the figures.
TARGETS = {"async": 100, "sync": 50, "single-client sync p50 ms": 25, "cold start x boto3": 1.3}
PEER: dict[str, Any] = {
    "name": "adnanh/webhook 2.8",
    "async": {"requests_per_second": 3300, "latency_ms": {"p50": 3.7}},
    "sync": {"requests_per_second": 1850, "latency_ms": {"p50": 8.5}},
}
NOTE = (
    "Ours stores every message in moto (a Python imitation of DynamoDB/SQS/S3 over HTTP); "
    "the peer stores nothing. These figures measure the local stack, not AWS."
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m webhooks_bench`."""
    args = _parser().parse_args(argv)
    return bench(
        requests=args.requests,
        concurrency=args.concurrency,
        timeout=args.timeout,
        as_json=args.json,
        audit=args.audit,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m webhooks_bench",
        description="print cost, cold-start, sandbox and HTTP figures",
    )
    parser.add_argument("--requests", type=int, default=400, help="per mode (default 400)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (default 8)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--audit", type=int, default=2000, help="mixed webhooks to audit (default 2000; 0: none)"
    )
    return parser


def bench(
    *, requests: int, concurrency: int, timeout: float, as_json: bool, audit: int = 2000
) -> int:
    """Measure, then print the report (or JSON); 1 when a part could not run."""
    deadline = time.monotonic() + timeout
    figures: dict[str, Any] = {}
    error = None
    try:
        _progress("AWS requests and capacity units per message (moto, in process)")
        with _quiet_handlers():
            figures["costs"] = cost_figures() | {"list": list_figures()}
        _progress("cold-start imports of each handler from the engine layer, tracing off and on")
        figures["layer"] = layer_import_figures(deadline)
        _progress("sandbox")
        figures["sandbox"] = sandbox_figures()
        _progress("script processes")
        figures["processes"] = process_figures()
        _progress(f"local stack over HTTP ({requests} requests per mode)")
        figures["http"] = http_figures(requests, concurrency, deadline)
        if audit:
            _progress(f"load audit ({audit} mixed webhooks)")
            figures["audit"] = audit_figures(audit, concurrency, deadline)
    except BenchError as failure:
        error = str(failure)
    except KeyboardInterrupt:
        error = "interrupted"
    if error is None and time.monotonic() > deadline:  # the loads and the wait stop there
        error = "the benchmark ran past its time budget (--timeout): the figures are partial"
    figures |= {"peer": PEER, "note": NOTE}
    print(json.dumps(figures, indent=2) if as_json else report(figures))
    if error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


def _progress(what: str) -> None:
    print(f"bench: {what}...", file=sys.stderr, flush=True)


@contextmanager
def _quiet_handlers() -> Iterator[None]:
    """Handlers run in this process print their log lines and metrics to stdout, which holds
    the report: send them nowhere (a failure still raises)."""
    with redirect_stdout(io.StringIO()):
        yield


# Sandbox


def sandbox_figures() -> dict[str, float]:
    """µs per operation of the GitHub match script: compiling it, building its names, running it."""
    provider = _github_provider()
    source, props = provider["match_script"], _props(provider)
    body = PUSH_BODY.read_bytes()
    request = RequestData(**_request_fields(github_headers(body, props["SECRET"]), body))
    script = compile_script(source, "provider:GitHub")
    names = script_names(request, props, ScriptLog(LogBook()))
    if run_script(script, names, 2.0) is not True:
        raise BenchError("the GitHub match script did not match the signed push")
    return {
        "compile_uncached_us": _microseconds(
            lambda run: compile_script(source, f"provider:bench-{run}"), COMPILE_RUNS
        ),
        "compile_cached_us": _microseconds(
            lambda _: compile_script(source, "provider:GitHub"), CACHED_COMPILE_RUNS
        ),
        "script_names_us": _microseconds(
            lambda _: script_names(request, props, ScriptLog(LogBook())), SCRIPT_RUNS
        ),
        "run_script_us": _microseconds(lambda _: run_script(script, names, 2.0), SCRIPT_RUNS),
    }


def process_figures() -> dict[str, float]:
    """The process wall's cost: a cold start (the zygote, its probe, the first script process,
    the first result), then per message warm, next to the same scripts run in-process: the seed
    example (the GitHub match script and both git/push functions, in one fresh process) and
    ten providers evaluated (ten match scripts that do not match, each in a fresh process)."""
    provider = _github_provider()
    props, body = _props(provider), PUSH_BODY.read_bytes()
    headers = github_headers(body, props["SECRET"])
    match = ScriptRun(provider["match_script"], "provider:GitHub", "match", props, 2.0)
    seed = [match] + [
        ScriptRun(function["script"], f"function:{function['name']}", "function", props, 30.0)
        for function in provider["functions"]
    ]
    refusing = ScriptRun(match.source, match.name, "match", {**props, "SECRET": "other"}, 2.0)
    starts = []
    for _ in range(WORKER_STARTS):
        cold = Sandbox()
        started = time.perf_counter()
        _message(cold, headers, body, [[match]])
        starts.append(time.perf_counter() - started)
        cold.close()
    warm = Sandbox()
    try:
        _message(warm, headers, body, [seed])
        seed_us = _microseconds(lambda _: _message(warm, headers, body, [seed]), WORKER_MESSAGES)
        ten = [[refusing]] * 10
        ten_us = _microseconds(
            lambda _: _message(warm, headers, body, ten, matches=False), WORKER_MESSAGES // 4
        )
    finally:
        warm.close()
    seed_in = _microseconds(lambda _: _in_process(seed, body, headers), WORKER_MESSAGES)
    ten_in = _microseconds(lambda _: _in_process([refusing] * 10, body, headers), WORKER_MESSAGES)
    return {
        "cold_start_ms": round(statistics.median(starts) * 1000, 1),
        "seed_us": seed_us,
        "seed_in_process_us": seed_in,
        "seed_overhead_us": round(seed_us - seed_in, 2),
        "ten_us": ten_us,
        "ten_in_process_us": ten_in,
        "ten_overhead_us": round(ten_us - ten_in, 2),
    }


def _message(
    sandbox: Sandbox,
    headers: dict[str, str],
    body: bytes,
    providers: list[list[ScriptRun]],
    matches: bool = True,
) -> None:
    """One message: each provider's scripts in a fresh process, each match script matching or
    not as expected."""
    request = script_request(**_request_fields(headers, body))
    for scripts in providers:
        with sandbox.process() as process:
            outcomes = [process.run(request, script) for script in scripts]
        if not all(outcome.ok for outcome in outcomes) or outcomes[0].truthy != matches:
            raise BenchError(f"the example scripts failed in a script process: {outcomes}")


def _in_process(scripts: list[ScriptRun], body: bytes, headers: dict[str, str]) -> None:
    """The same message's scripts as a script process runs them, without the process."""
    request = RequestData(**_request_fields(headers, body))
    for run in scripts:
        book = LogBook()
        script = compile_script(run.source, run.name)
        names = script_names(request, run.props, ScriptLog(book), script.names)
        run_script(script, names, run.timeout, partial(book.add, "INFO"))


def _request_fields(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """A push to git/push as scripts see it (RequestData and script_request take the same)."""
    return {
        "message_id": "bench",
        "method": "POST",
        "uri": "git/push",
        "query_string": "projectId=123",
        "headers": headers,
        "body": body,
        "source_ip": "127.0.0.1",
        "received_at": datetime.now(UTC),
    }


def _microseconds(operation: Callable[[int], object], runs: int) -> float:
    started = time.perf_counter()
    for run in range(runs):
        operation(run)
    return round((time.perf_counter() - started) / runs * 1e6, 2)


def _github_provider() -> dict[str, Any]:
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    provider: dict[str, Any] = next(p for p in config["providers"] if p["name"] == "GitHub")
    return provider


def _props(provider: dict[str, Any]) -> dict[str, str]:
    return {name: str(prop["value"]) for name, prop in provider["properties"].items()}


def github_headers(body: bytes, secret: str) -> dict[str, str]:
    """Headers of a push signed the way GitHub signs it."""
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": "push",
        "x-hub-signature-256": f"sha256={signature}",
    }


# The local stack over HTTP


def http_figures(requests: int, concurrency: int, deadline: float) -> dict[str, Any]:
    """Signed pushes against a fresh local stack: asynchronous until the queue is drained,
    synchronous, then synchronous from a single client."""
    body = PUSH_BODY.read_bytes()
    headers = github_headers(body, _props(_github_provider())["SECRET"])
    modes = {"async": headers, "sync": headers | {"flex-sync-webhook": "true"}}
    token = secrets.token_urlsafe(16)
    with (
        tempfile.TemporaryDirectory(prefix="webhooks-bench-") as directory,
        local_stack(Path(directory), token, EXAMPLE_CONFIG, deadline) as stack,
    ):

        def load(mode: str, count: int, clients: int = concurrency) -> Load:
            return run_load(
                stack.port,
                WEBHOOK_PATH,
                body,
                modes[mode],
                count=count,
                concurrency=clients,
                deadline=deadline,
            )

        for mode in modes:  # warm the workers' clients and caches
            load(mode, concurrency)
        wait_until_drained(stack.backlog, deadline)
        started = time.perf_counter()
        sent = load("async", requests)
        drained = wait_until_drained(stack.backlog, deadline)
        processed = time.perf_counter() - started
        succeeded = count_success(stack.port, token, sent.message_ids)
        answered = load("sync", requests)
        single = load("sync", SINGLE_CLIENT_REQUESTS, 1)
    return {
        "requests_per_mode": requests,
        "concurrency": concurrency,
        "async": sent.figures()
        | {
            "queue_drained": drained,
            "drained_seconds": round(processed, 3),
            "messages_per_second": round(len(sent.message_ids) / processed, 1),
            "success": succeeded,
        },
        "sync": answered.figures() | {"non_200": _non_200(answered)},
        "sync_single_client": single.figures() | {"non_200": _non_200(single)},
        "targets": TARGETS,
    }


def _non_200(load: Load) -> int:
    return load.errors + sum(n for status, n in load.statuses.items() if status != 200)


# The load audit


def audit_figures(count: int, concurrency: int, deadline: float) -> dict[str, Any]:
    """Mixed webhooks through a fresh local stack, every acknowledged message audited."""
    token = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="webhooks-audit-") as directory:
        config = write_config(Path(directory))
        with local_stack(Path(directory), token, config, deadline) as stack:
            sent = send_mixed(stack.port, count, concurrency, deadline)
            return check(stack, token, sent, deadline).figures()


# Report


def report(figures: dict[str, Any]) -> str:
    """The figures as a compact text report."""
    parts = [
        _costs_report(figures["costs"]) if "costs" in figures else "",
        _layer_report(figures["layer"]) if "layer" in figures else "",
        _sandbox_report(figures["sandbox"]) if "sandbox" in figures else "",
        _processes_report(figures["processes"]) if "processes" in figures else "",
        _http_report(figures["http"]) if "http" in figures else "",
        _audit_report(figures["audit"]) if "audit" in figures else "",
    ]
    return "\n\n".join(part for part in parts if part)


def _sandbox_report(sandbox: dict[str, float]) -> str:
    rows = {
        "compile, uncached": "compile_uncached_us",
        "compile, cached": "compile_cached_us",
        "script_names (request -> globals)": "script_names_us",
        "run_script": "run_script_us",
    }
    lines = ["Sandbox: the GitHub HMAC match script of examples/config.yaml"]
    lines += [f"  {label:<40} {sandbox[key]:8.1f} µs/op" for label, key in rows.items()]
    return "\n".join(lines)


def _processes_report(processes: dict[str, float]) -> str:
    return "\n".join(
        [
            "Script processes (a fresh one per provider and message, forked from a zygote)",
            f"  {'cold start, to the first result':<40} {processes['cold_start_ms']:8.1f} ms "
            f"(median of {WORKER_STARTS})",
            f"  {'seed example, per message':<40} {processes['seed_us']:8.1f} µs "
            "(GitHub match + git/push functions)",
            f"  {'  the same scripts in-process':<40} {processes['seed_in_process_us']:8.1f} µs",
            f"  {'  the wall':<40} {processes['seed_overhead_us']:8.1f} µs (target 2,000)",
            f"  {'ten providers evaluated, per message':<40} {processes['ten_us']:8.1f} µs",
            f"  {'  the same scripts in-process':<40} {processes['ten_in_process_us']:8.1f} µs",
            f"  {'  the wall':<40} {processes['ten_overhead_us']:8.1f} µs (target 5,000)",
        ]
    )


def _http_report(http: dict[str, Any]) -> str:
    header = f"  {'':<30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  answers"
    lines = [
        f"Local stack over HTTP on 127.0.0.1: signed GitHub pushes, {http['requests_per_mode']} "
        f"per mode, {http['concurrency']} keep-alive connections",
        header,
    ]
    for mode in ("async", "sync"):
        lines.append(_row(f"ours, {mode}", http[mode], _answers(http[mode])))
        lines.append(_row(f"{PEER['name']}, {mode}", PEER[mode], "stores nothing"))
    single = http["sync_single_client"]
    lines.append(_row("ours, sync, one client", single, _answers(single)))
    sent, targets = http["async"], http["targets"]
    drained = "drained" if sent["queue_drained"] else "NOT drained (stalled or out of time)"
    lines += [
        f"  async end to end: {sent['requests']} accepted, queue {drained} after "
        f"{sent['drained_seconds']:.1f} s = {sent['messages_per_second']:.1f} messages/s; "
        f"SUCCESS {sent['success']}",
        f"  sync answers other than 200: {http['sync']['non_200']} (one client:"
        f" {single['non_200']})",
        "  targets (2 cores): "
        f"async {targets['async']} req/s (ours {sent['requests_per_second']:.0f}), "
        f"sync {targets['sync']} req/s (ours {http['sync']['requests_per_second']:.0f}), "
        f"one-client sync p50 under {targets['single-client sync p50 ms']} ms "
        f"(ours {single['latency_ms'].get('p50', 0):.1f})",
        textwrap.fill(NOTE, 98, initial_indent="  ", subsequent_indent="  "),
    ]
    return "\n".join(lines)


def _row(label: str, figures: dict[str, Any], answers: str) -> str:
    latency = figures["latency_ms"]
    cells = [f"{latency[p]:8.1f}" if p in latency else f"{'-':>8}" for p in ("p50", "p95", "p99")]
    return f"  {label:<30} {figures['requests_per_second']:8.0f} {' '.join(cells)}  {answers}"


def _answers(figures: dict[str, Any]) -> str:
    answers = [f"{status} x{count}" for status, count in figures["statuses"].items()]
    if figures["errors"]:
        answers.append(f"errors x{figures['errors']}")
    return ", ".join(answers)


def _audit_report(audit: dict[str, Any]) -> str:
    kinds = ", ".join(f"{count} {kind}" for kind, count in audit["by_kind"].items())
    lines = [
        f"Load audit: {audit['sent']} webhooks ({kinds}) in {audit['send_seconds']} s",
        f"  acknowledged {audit['acknowledged']}, final with the right status and each"
        f" function run once: {audit['final_and_right']}",
        f"  wrong answers {audit['wrong_answers']}, connection errors"
        f" {audit['connection_errors']}, problems {audit['problems']}",
    ]
    lines += [f"    {problem}" for problem in audit["first_problems"]]
    return "\n".join(lines)


def _costs_report(costs: dict[str, Any]) -> str:
    lines = [f"Cost of one message: {costs['message']}"]
    for state in ("cold", "warm", "incompressible"):
        for handler in ("ingest", "process"):
            cost = costs[state][handler]
            operations = ", ".join(f"{op} {n}" for op, n in cost["by_operation"].items())
            lines.append(
                f"  {state} {handler}: {cost['requests']} requests ({operations}),"
                f" {cost['write_units']:g} write / {cost['read_units']:g} read units"
            )
    for name, label in (("", "warm"), ("incompressible_", "incompressible")):
        price = costs[f"{name}price_per_million"]
        shares = ", ".join(f"{k} ${v:.2f}" for k, v in price.items() if k != "total")
        lines.append(f"  list price per million ({label}): ${price['total']:.2f} ({shares})")
    audit = costs["audit"]
    lines.append(
        f"  audit trail, per write (configuration change, resubmission, redrive...):"
        f" {audit['requests']} request, {audit['write_units']:g} write units"
        f" (the item and its two indexes), ${audit['price_per_million']:.2f} per million"
    )
    lines.append(f"Message list, {PAGE} a page, rare matches over 25 days (requests, read units):")
    for name, page in costs.get("list", {}).items():
        lines.append(
            f"  {name:<22} {page['requests_per_page']} a page, {page['read_units_per_page']:g}"
            f" read units at most; {page['found']} found in {page['pages']} pages"
        )
    return "\n".join(lines)


def _layer_report(layer: dict[str, Any]) -> str:
    ratios = layer["ratio_to_boto3"]
    lines = [
        "Cold start: import of each handler from the engine layer as layers/engine/Makefile "
        f"builds it (bytecode, -I -B), least CPU time of {LAYER_RUNS} runs minus a bare interpreter's, ms",
        f"  {'':<16} {'tracing off':>12} {'x boto3':>8} {'tracing on':>12} {'x boto3':>8}",
    ]
    for name, off in layer["tracing_off_ms"].items():
        on = layer["tracing_on_ms"][name]
        lines.append(
            f"  {name:<16} {off:>12.1f} {ratios['tracing_off'][name]:>8.2f}"
            f" {on:>12.1f} {ratios['tracing_on'][name]:>8.2f}"
        )
    lines.append(f"  {'import boto3':<16} {layer['boto3_ms']:>12.1f}")
    lines.append(
        f"  {'libraries':<16} {layer['libraries_ms']:>12.1f} {ratios['libraries']:>8.2f}"
        "   (boto3, pydantic with one model, Powertools' logger and metrics: the floor)"
    )
    lines.append(f"  target: ingest at most {TARGETS['cold start x boto3']}x boto3")
    packages = ", ".join(f"{name} {ms:.0f}" for name, ms in layer["ingest_by_package_ms"].items())
    lines.append(f"  ingest's import by package (python -X importtime, own times, ms): {packages}")
    bare = layer["without_bytecode_ms"]
    lines.append(
        f"  without the layer's bytecode: ingest {bare['ingest']:.1f}, boto3 {bare['boto3']:.1f}"
    )
    return "\n".join(lines)
