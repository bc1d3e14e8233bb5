"""moto, loopback only: the local stand-in for AWS, in a process of its own."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import urllib.request
from multiprocessing.connection import Connection
from typing import Any

import boto3

REGION = "us-east-1"
START_TIMEOUT = 60.0
# The account's own keys: provisioning, the poller's local shortcuts, tests. moto checks no
# call signed with them, as AWS checks none of an account's root; the functions sign with their
# roles' (webhooks_testbed.iam_checks).
ROOT_ACCESS_KEY = "testing"


def local_session(region: str = REGION) -> boto3.session.Session:
    """A session with the account's own keys, whatever the user's AWS settings."""
    return boto3.session.Session(
        aws_access_key_id=ROOT_ACCESS_KEY, aws_secret_access_key="testing", region_name=region
    )


def role_session(credentials: dict[str, str], region: str = REGION) -> boto3.session.Session:
    """A session signing with a role's credentials (as `roles.assume` gives them)."""
    return boto3.session.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=credentials["AWS_SESSION_TOKEN"],
        region_name=region,
    )


def enforce_iam(endpoint: str) -> None:
    """From now on moto checks every call against its caller's policies (moto's
    INITIAL_NO_AUTH_ACTION_COUNT, set to 0 through its API)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        headers={"Content-Type": "text/plain"},  # not a form, which moto would not read
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


class MotoProcess:
    """moto's server in a child process, so that moto has a core and a GIL to itself instead
    of sharing them with the gateway and the poller."""

    def __init__(self, port: int = 0) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(port, child), name="moto", daemon=True)

    def start(self) -> str:
        """Start moto on 127.0.0.1 and return its endpoint URL."""
        self._process.start()
        if not self._control.poll(START_TIMEOUT):
            self.stop()
            raise RuntimeError("moto did not start")
        endpoint: str = self._control.recv()
        return endpoint

    def checks(self) -> list[list[Any]]:
        """moto's IAM decisions so far: [principal, action, resource, allowed] each."""
        self._control.send("checks")
        checks: list[list[Any]] = self._control.recv()
        return checks

    def stop(self) -> None:
        """Ask the child to exit; kill it if it does not."""
        if self._process.is_alive():
            with contextlib.suppress(OSError):
                self._control.send("stop")
            self._process.join(5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()


def _serve(port: int, control: Connection) -> None:
    # moto loads in the moto process only, not in the stack's (nor in its workers, nor in tests)
    from webhooks_local.moto_server import MotoServer  # noqa: PLC0415
    from webhooks_testbed import iam_checks, sqs_move_tasks  # noqa: PLC0415

    sqs_move_tasks.install()  # what moto's SQS lacks and the admin function's redrive calls
    iam_checks.install(root_keys=[ROOT_ACCESS_KEY])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group; the parent stops us
    server = MotoServer(port)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    control.send(server.endpoint)
    with contextlib.suppress(EOFError):  # until "stop", or the parent is gone
        while control.recv() == "checks":
            control.send([check.as_list() for check in iam_checks.checks()])
    os._exit(0)  # skip tearing moto's object graph down: it takes seconds


def start_moto(port: int = 0) -> tuple[MotoProcess, str]:
    """Start moto on 127.0.0.1 (a free port by default); return it and its endpoint URL."""
    moto = MotoProcess(port)
    return moto, moto.start()
