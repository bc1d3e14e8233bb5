"""SAM's own commands on this project: the Lambda emulation image, `sam build` for this
machine's architecture, a local stack, and SAM in front of it (see webhooks_sam).

Where Docker does not answer, or the image is missing and this user cannot build it, these
tests are skipped with the reason; with SAM_LOCAL_TESTS=require (`make sam-local-test`, CI)
they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from webhooks_local.child import serving
from webhooks_sam import sam
from webhooks_sam.image import can_build, docker_answers, ensure_image, exists, image_name
from webhooks_sam.stack import SamStack

TOKEN = "sam-local-token"


def unavailable(reason: str) -> None:
    if os.environ.get("SAM_LOCAL_TESTS") == "require":
        pytest.fail(f"{reason} (SAM_LOCAL_TESTS=require)")
    pytest.skip(f"sam local tests skipped: {reason}")


@pytest.fixture(scope="session")
def lambda_image() -> str:
    """The emulation image, built if missing (when this user can build it)."""
    if not docker_answers():
        unavailable("Docker does not answer (`docker info`)")
    if not sam.installed():
        unavailable("SAM CLI is not installed (`make build` installs it)")
    if not exists(image_name()) and not can_build():
        unavailable("the Lambda image is not built and needs root, debootstrap and cc: "
                    "`sudo make lambda-image`")  # fmt: skip
    return ensure_image()


@pytest.fixture(scope="session")
def built_template(lambda_image: str) -> Path:
    """`sam build` for this machine's architecture."""
    return sam.build()


@pytest.fixture(scope="session")
def stack_state(lambda_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local stack (the `make serve` of these tests) on a free port, and its state."""
    directory = tmp_path_factory.mktemp("sam-stack")
    with serving(directory, TOKEN) as port:
        state = json.loads((directory / "stack.json").read_text(encoding="utf-8"))
        yield state | {"port": port}


@pytest.fixture(scope="session")
def sam_stack(
    lambda_image: str,
    built_template: Path,
    stack_state: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SamStack]:
    """SAM in front of the stack, the functions sending to a queue of their own."""
    workdir = tmp_path_factory.mktemp("sam")
    with SamStack(stack_state, lambda_image, workdir, own_queue=True) as stack:
        yield stack


@pytest.fixture(scope="session")
def webhooks(stack_state: Any) -> Callable[..., Any]:
    """The `webhooks` CLI against the stack's admin API: its JSON answer to the arguments."""
    environment = os.environ | {
        "WEBHOOKS_URL": f"http://127.0.0.1:{stack_state['port']}",
        "WEBHOOKS_ADMIN_TOKEN": TOKEN,
    }

    def run(*arguments: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "webhooks_cli", *arguments, "--json"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(done.stdout)

    return run
