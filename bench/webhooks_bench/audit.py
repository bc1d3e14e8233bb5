"""The load audit of `bench`: mixed webhooks through the local stack, then every acknowledged
message checked: stored, final, the right status, each function run once per submission.

Four kinds are interleaved across the connections: asynchronous successes, synchronous
successes, asynchronous failures (a function raises) and synchronous unmatched requests.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webhooks_bench.load import Client, RunningStack, wait_until_drained

CONFIG = """
providers:
  - name: Audit
    match_script: return headers.get("x-audit") == "yes"
    functions:
      - name: ok
        uri: audit/ok
        script: log.info("ok " + str(payload["n"]))
      - name: fail
        uri: audit/fail
        script: raise ValueError("fails on purpose " + str(payload["n"]))
"""
PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class Kind:
    """One kind of request and what the audit expects of it."""

    name: str
    uri: str
    sync: bool
    matched: bool
    answer: int  # the HTTP status the sender gets
    status: str  # the message's final status
    executions: int


KINDS = (
    Kind("async ok", "audit/ok", False, True, 202, "SUCCESS", 1),
    Kind("sync ok", "audit/ok", True, True, 200, "SUCCESS", 1),
    Kind("async failing", "audit/fail", False, True, 202, "FAILED", 1),
    Kind("sync unmatched", "audit/ok", True, False, 404, "UNMATCHED", 0),
)


def write_config(directory: Path) -> Path:
    path = directory / "audit.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@dataclass
class Audit:
    """What was sent and acknowledged, and what the audit found wrong."""

    sent: Counter[str] = field(default_factory=Counter)
    acknowledged: dict[str, Kind] = field(default_factory=dict)  # message id -> its kind
    wrong_answers: int = 0
    errors: int = 0
    final: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "sent": sum(self.sent.values()),
            "by_kind": dict(self.sent),
            "acknowledged": len(self.acknowledged),
            "wrong_answers": self.wrong_answers,
            "connection_errors": self.errors,
            "final_and_right": self.final,
            "problems": len(self.problems),
            "first_problems": self.problems[:PROBLEMS_SHOWN],
            "send_seconds": round(self.seconds, 3),
        }


def send_mixed(port: int, count: int, concurrency: int, deadline: float) -> Audit:
    """Send `count` requests of the four kinds, interleaved, from `concurrency` connections."""
    audit, lock, numbers = Audit(), threading.Lock(), itertools.count()

    def work() -> None:
        client = Client(port)
        try:
            while (n := next(numbers)) < count and time.monotonic() < deadline:
                _send(client, KINDS[n % len(KINDS)], n, audit, lock)
        finally:
            client.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    audit.seconds = time.perf_counter() - started
    return audit


def _send(client: Client, kind: Kind, n: int, audit: Audit, lock: threading.Lock) -> None:
    headers = {"content-type": "application/json"}
    headers |= {"x-audit": "yes"} if kind.matched else {}
    headers |= {"flex-sync-webhook": "true"} if kind.sync else {}
    body = f'{{"n": {n}}}'.encode()
    try:
        status, answer = client.send("POST", f"/webhooks/{kind.uri}", body, headers)
    except (OSError, http.client.HTTPException):
        with lock:
            audit.errors += 1
        return
    with lock:
        audit.sent[kind.name] += 1
        if status != kind.answer:
            audit.wrong_answers += 1
            audit.problems.append(f"{kind.name} #{n}: answered {status}, expected {kind.answer}")
        if status in (200, 202, 404, 500):
            audit.acknowledged[_message_id(answer)] = kind


def _message_id(answer: bytes) -> str:
    return str(json.loads(answer)["message_id"])


def check(stack: RunningStack, token: str, audit: Audit, deadline: float) -> Audit:
    """Wait until the stack's queues are drained, then check each acknowledged message."""
    wait_until_drained(stack.backlog, deadline)
    client = Client(stack.port)
    try:
        for message_id, kind in audit.acknowledged.items():
            _check(client.admin(f"/messages/{message_id}", token), kind, audit)
    finally:
        client.close()
    return audit


def _check(message: dict[str, Any], kind: Kind, audit: Audit) -> None:
    """Record the message as final and right, or as a problem saying what is wrong."""
    runs = Counter((e["function"], e["submission"]) for e in message["executions"])
    if message["status"] != kind.status:
        audit.problems.append(f"{message['id']}: {kind.name} is {message['status']}")
    elif len(message["executions"]) != kind.executions or any(n > 1 for n in runs.values()):
        audit.problems.append(f"{message['id']}: {kind.name} ran {dict(runs)}")
    elif len(message["submissions"]) != 1:
        audit.problems.append(f"{message['id']}: {len(message['submissions'])} submissions")
    else:
        audit.final += 1
