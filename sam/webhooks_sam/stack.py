"""SAM's own commands against a running local stack: `sam local invoke` and `sam local
start-api` run the built functions in the Lambda emulation image, their AWS calls going to the
stack's moto (through the relay) with the variables the template declares, as moto evaluated
them, handed to SAM with `--env-vars`."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from webhooks_local.aws import local_session
from webhooks_local.child import stop
from webhooks_local.poller import QueuePoller
from webhooks_local.state import provisioned
from webhooks_local.workers import FunctionError
from webhooks_sam import sam
from webhooks_sam.relay import Relay, bridge_address
from webhooks_testbed.sqs_events import SqsSource, sources

PROCESS_FUNCTION = "ProcessFunction"
INVOKE_TIMEOUT = 300.0
API_START_TIMEOUT = 120.0


def stamped(event: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """An HTTP API event with the request time set to `now`, as API Gateway stamps each
    request: the events/ files carry a fixed time in 2025, past the messages' retention, and
    the message list leaves such messages out. Other events are returned as they are."""
    context = event.get("requestContext")
    if not isinstance(context, Mapping) or "timeEpoch" not in context:
        return dict(event)
    moment = {"timeEpoch": int(now.timestamp() * 1000), "time": f"{now:%d/%b/%Y:%H:%M:%S +0000}"}
    return {**event, "requestContext": {**context, **moment}}


def variables(
    state: Mapping[str, Any], endpoint: str, queue: tuple[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """`--env-vars`: each function's declared variables, AWS_ENDPOINT_URL set to `endpoint`,
    and with `queue` (url, arn) the functions' queue replaced by that one."""
    override = {"AWS_ENDPOINT_URL": endpoint}
    if queue is not None:
        override |= {"QUEUE_URL": queue[0], "QUEUE_ARN": queue[1]}
    return {function: {**env, **override} for function, env in state["environments"].items()}


class SamStack:
    """The local stack recorded in `state` (its stack.json), as SAM's containers reach it.

    With `own_queue`, the functions send to a queue of their own instead of the stack's, which
    the stack's poller does not read: `drain` then plays the event source mapping, each batch
    run by `sam local invoke ProcessFunction`.
    """

    def __init__(
        self, state: Mapping[str, Any], image: str, workdir: Path, *, own_queue: bool = False
    ) -> None:
        self.image = image
        self.workdir = workdir
        self._state = state
        self._own_queue = own_queue
        self._stack = provisioned(dict(state))
        self._exits = ExitStack()
        self.source: SqsSource | None = None
        endpoint = urllib.parse.urlsplit(state["moto_endpoint"])
        self._target = (endpoint.hostname or "127.0.0.1", endpoint.port or 80)
        self._sqs = local_session(self._stack.region).client(
            "sqs", endpoint_url=state["moto_endpoint"]
        )

    def __enter__(self) -> Self:
        relay = self._exits.enter_context(Relay(bridge_address(), self._target))
        queue = self._create_queue() if self._own_queue else None
        env_vars = variables(self._state, relay.url, queue)
        (self.workdir / "env-vars.json").write_text(json.dumps(env_vars), encoding="utf-8")
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._exits.close()

    def invoke(self, function_id: str, event: Mapping[str, Any]) -> tuple[Any, str]:
        """`sam local invoke` on `event` (its request time stamped now): the function's
        answer and SAM's log (the function's own lines among them)."""
        path = self.workdir / f"event-{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(stamped(event, datetime.now(UTC))), encoding="utf-8")
        done = subprocess.run(
            [str(sam.SAM), "local", "invoke", function_id, "--event", str(path), *self._options()],
            cwd=sam.REPO,
            env=sam.environment(self._state["moto_endpoint"]),
            capture_output=True,
            text=True,
            timeout=INVOKE_TIMEOUT,
            check=False,
        )
        path.unlink()
        if done.returncode != 0 or not done.stdout.strip():
            raise sam.SamError(f"sam local invoke {function_id}:\n{sam.tail(done.stderr)}")
        return json.loads(done.stdout), done.stderr

    @contextmanager
    def start_api(self) -> Iterator[str]:
        """`sam local start-api` on a free loopback port; its base URL until the block ends."""
        port = _free_port()
        log = (self.workdir / "start-api.log").open("wb")
        process = subprocess.Popen(
            [str(sam.SAM), "local", "start-api", "--host", "127.0.0.1", "--port", str(port),
             *self._options()],
            cwd=sam.REPO, env=sam.environment(self._state["moto_endpoint"]),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for_port(process, port, self.workdir / "start-api.log")
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)  # Ctrl-C: SAM stops its containers; killed if it lingers
            log.close()

    def drain(self) -> int:
        """Run ProcessFunction through SAM on the functions' own queue until it is empty;
        the number of records received."""
        if self.source is None:
            raise RuntimeError("drain needs own_queue=True")
        poller = QueuePoller(self._sqs, self.source, self._process_batch)
        received = 0
        while count := poller.poll_once():
            received += count
        return received

    def _process_batch(self, event: dict[str, Any]) -> Any:
        answer, log = self.invoke(PROCESS_FUNCTION, event)
        if isinstance(answer, dict) and "errorType" in answer:
            raise FunctionError(f"{answer['errorType']}: {answer.get('errorMessage')}\n{log}")
        return answer

    def _create_queue(self) -> tuple[str, str]:
        """A queue for the functions under SAM, with the stack's queue's event source settings."""
        name = f"{self._stack.stack_name}-sam-{uuid.uuid4().hex[:8]}"
        url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        [template_source] = [s for s in sources(self._stack) if s.function_id == PROCESS_FUNCTION]
        self.source = dataclasses.replace(
            template_source, queue_url=url, queue_arn=arn["Attributes"]["QueueArn"]
        )
        return url, self.source.queue_arn

    def _options(self) -> list[str]:
        return [
            "--template", str(sam.TEMPLATE),
            "--env-vars", str(self.workdir / "env-vars.json"),
            "--parameter-overrides", f"Architecture={sam.architecture()}",
            "--invoke-image", self.image,
            "--skip-pull-image",
            "--region", self._stack.region,
        ]  # fmt: skip


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + API_START_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise sam.SamError(f"sam local start-api did not start:\n{sam.tail(log.read_text())}")
