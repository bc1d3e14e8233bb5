"""The HTTP half of `bench`: the local stack in a subprocess, load from threads over keep-alive
connections, and the wait until its queues are drained (read from SQS, which costs moto
next to nothing, rather than by listing messages, which costs it a walk of the table)."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from webhooks_local.aws import local_session
from webhooks_local.child import STATE_FILE, StackStartError, serving
from webhooks_local.state import provisioned
from webhooks_testbed.sqs_events import sources

REQUEST_TIMEOUT = 30.0
POLL_INTERVAL = 0.25  # GetQueueAttributes counts the queue three ways: moto pays per call
STALL_TIMEOUT = 30.0  # give up waiting when the backlog has not shrunk for this long
PAGE_LIMIT = 200
MAX_PAGES = 50
# What SQS counts as still to do: waiting, received and not yet deleted, delayed.
BACKLOG = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class BenchError(Exception):
    """The benchmark could not run (the stack did not start, the time budget ran out...)."""


def remaining(deadline: float) -> float:
    """Seconds left before `deadline` (time.monotonic); BenchError when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise BenchError("the benchmark ran past its time budget (--timeout)")
    return left


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies, in milliseconds (empty when there are none)."""
    if not seconds:
        return {}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    figures = {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(seconds)}
    return {name: round(value * 1000, 2) for name, value in figures.items()}


class _Connection(http.client.HTTPConnection):
    """An HTTP connection without Nagle's algorithm, as load generators and browsers open."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """One keep-alive HTTP/1.1 connection to the stack on loopback."""

    def __init__(self, port: int) -> None:
        self._connection = _Connection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """Status and body; the connection reopens on the next call after an error."""
        try:
            self._connection.request(method, path, body, headers)
            response = self._connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self._connection.close()
            raise

    def admin(self, path: str, token: str) -> Any:
        """GET an admin API path (under /admin/v1) as JSON."""
        status, body = self.send(
            "GET", f"/admin/v1{path}", None, {"authorization": f"Bearer {token}"}
        )
        if status != 200:
            raise BenchError(f"GET /admin/v1{path} answered {status}: {body[:200]!r}")
        return json.loads(body)

    def close(self) -> None:
        self._connection.close()


@dataclass(frozen=True)
class RunningStack:
    """A local stack started for the benchmark: its gateway's port and its queues' backlog."""

    port: int
    backlog: Callable[[], int]


@contextmanager
def local_stack(
    directory: Path, token: str, config: Path, deadline: float
) -> Iterator[RunningStack]:
    """The stack on a free port with `config`; its start counts against the deadline."""
    try:
        with serving(directory, token, config, max(1.0, deadline - time.monotonic())) as port:
            yield RunningStack(port, queue_backlog(directory / STATE_FILE))
    except StackStartError as error:
        raise BenchError(str(error)) from None


def queue_backlog(state_file: Path) -> Callable[[], int]:
    """Reads the messages still to be processed on the queues of the stack that wrote
    `state_file`: the event sources its pollers drain (GetQueueAttributes)."""
    state = json.loads(state_file.read_text(encoding="utf-8"))
    sqs = local_session().client("sqs", endpoint_url=state["moto_endpoint"])
    urls = [source.queue_url for source in sources(provisioned(state))]

    def backlog() -> int:
        return sum(
            int(count)
            for url in urls
            for count in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=BACKLOG)[
                "Attributes"
            ].values()
        )

    return backlog


def wait_until_drained(
    backlog: Callable[[], int], deadline: float, interval: float = POLL_INTERVAL
) -> bool:
    """Poll `backlog` until it is 0 (True), or until it has not shrunk for STALL_TIMEOUT or
    the deadline passes (False)."""
    lowest, progressed = -1, time.monotonic()
    while time.monotonic() < min(deadline, progressed + STALL_TIMEOUT):
        left = backlog()
        if left == 0:
            return True
        if lowest < 0 or left < lowest:
            lowest, progressed = left, time.monotonic()
        time.sleep(interval)
    return False


@dataclass
class Load:
    """What one burst of requests got back."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0  # connection errors and timeouts
    message_ids: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        done = len(self.latencies)
        return {
            "requests": done,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(done / self.seconds, 1) if self.seconds else 0.0,
            "latency_ms": latency_summary(self.latencies),
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "errors": self.errors,
        }


class _Burst:
    """`count` POSTs shared by `concurrency` threads, each with its own connection."""

    def __init__(self, port: int, path: str, body: bytes, headers: dict[str, str]) -> None:
        self.port, self.path, self.body, self.headers = port, path, body, headers
        self.load = Load()
        self._lock = threading.Lock()
        self._left = 0
        self._deadline = 0.0

    def run(self, count: int, concurrency: int, deadline: float) -> Load:
        self._left, self._deadline = count, deadline
        threads = [threading.Thread(target=self._work, daemon=True) for _ in range(concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.load.seconds = time.perf_counter() - started
        return self.load

    def _take(self) -> bool:
        with self._lock:
            self._left -= 1
            return self._left >= 0 and time.monotonic() < self._deadline

    def _work(self) -> None:
        client = Client(self.port)
        try:
            while self._take():
                self._send(client)
        finally:
            client.close()

    def _send(self, client: Client) -> None:
        started = time.perf_counter()
        try:
            status, answer = client.send("POST", self.path, self.body, self.headers)
        except (OSError, http.client.HTTPException):
            with self._lock:
                self.load.errors += 1
            return
        elapsed = time.perf_counter() - started
        with self._lock:
            self.load.latencies.append(elapsed)
            self.load.statuses[status] += 1
            if status in (200, 202):
                self.load.message_ids.append(json.loads(answer)["message_id"])


def run_load(
    port: int,
    path: str,
    body: bytes,
    headers: dict[str, str],
    *,
    count: int,
    concurrency: int,
    deadline: float,
) -> Load:
    """POST `body` `count` times from `concurrency` threads; stops early at `deadline`."""
    return _Burst(port, path, body, headers).run(count, concurrency, deadline)


def count_success(port: int, token: str, message_ids: Sequence[str]) -> int:
    """How many of the messages the admin API lists as SUCCESS (paging newest first)."""
    wanted, seen = set(message_ids), set[str]()
    query = {"status": "SUCCESS", "limit": str(PAGE_LIMIT)}
    client = Client(port)
    try:
        for _ in range(MAX_PAGES):
            page = client.admin(f"/messages?{urlencode(query)}", token)
            seen.update(item["id"] for item in page["items"])
            if wanted <= seen or not page.get("next_cursor"):
                break
            query["cursor"] = page["next_cursor"]
    finally:
        client.close()
    return len(wanted & seen)
