"""SAM CLI as these commands run it: the Makefile's pinned copy, for this machine's
architecture, in an environment that holds only what it needs."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAM = REPO / ".venv-sam" / "bin" / "sam"  # the Makefile's SAM_VENV
BUILD_DIR = REPO / ".aws-sam" / "local" / "build"
TEMPLATE = BUILD_DIR / "template.yaml"
# What SAM and Docker's client read from the caller's environment, besides PATH.
KEPT = ("HOME", "TMPDIR", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY")
ARCHITECTURES = {"x86_64": "x86_64", "aarch64": "arm64"}  # machine -> Lambda's name


class SamError(RuntimeError):
    """A SAM command failed; the message ends with what it printed."""


def architecture() -> str:
    """This machine's architecture as Lambda names it: the template's Architecture here."""
    machine = platform.machine()
    if machine not in ARCHITECTURES:
        raise SamError(f"Lambda has no architecture for this machine ({machine})")
    return ARCHITECTURES[machine]


def environment(sts_endpoint: str = "") -> dict[str, str]:
    """The environment SAM runs in. Not the caller's: SAM gives a function the value of any
    variable the template declares (QUEUE_URL, ...) that the caller's environment holds, and
    sends the caller's AWS credentials into its containers. moto's dummy credentials instead;
    SAM asks STS for the account before each run, at `sts_endpoint` (moto) when given, where
    the unreachable AWS would cost it seconds of retries."""
    kept = {name: os.environ[name] for name in KEPT if name in os.environ}
    variables = kept | {
        # python3.13 for `sam build`: this interpreter's virtual environment provides it
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "SAM_CLI_TELEMETRY": "0",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    if sts_endpoint:
        variables["AWS_ENDPOINT_URL_STS"] = sts_endpoint
    return variables


def installed() -> bool:
    return SAM.exists()


def build() -> Path:
    """`sam build` for this machine's architecture, into .aws-sam/local with a cache of its
    own (the layer's compiled wheels differ from the deployed build's); the built template."""
    machine = platform.machine()
    _run(
        ["build", "--build-dir", str(BUILD_DIR), "--cache-dir", str(BUILD_DIR.parent / "cache"),
         "--parameter-overrides", f"Architecture={architecture()}"],
        environment() | {"PLATFORM": f"manylinux2014_{machine}"},  # layers/engine/Makefile
    )  # fmt: skip
    return TEMPLATE


def _run(arguments: list[str], env: dict[str, str], timeout: float = 600) -> str:
    """Run `sam ARGUMENTS`; its standard output, or SamError."""
    if not installed():
        raise SamError(f"SAM CLI is not installed at {SAM}: `make build` installs it")
    return output([str(SAM), *arguments], env, timeout, f"sam {arguments[0]}")


def output(command: list[str], env: Mapping[str, str], timeout: float, name: str) -> str:
    """Run `command` from the repository; its standard output, or SamError with its last
    lines of standard error."""
    done = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SamError(f"{name} failed ({done.returncode}):\n{tail(done.stderr)}")
    return done.stdout


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])
