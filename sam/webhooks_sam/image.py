"""The local Lambda emulation image, built from lambda-image/ (or reused: its tag is a hash of
the recipe, so an unchanged recipe finds its image)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from webhooks_sam.sam import REPO, SAM, SamError, architecture, output

RECIPE = REPO / "lambda-image" / "build.sh"
BUILD_TIMEOUT = 1200.0


def emulator() -> Path:
    """The runtime interface emulator that SAM CLI's package carries for this architecture."""
    name = f"aws-lambda-rie-{architecture()}"
    found = sorted(SAM.parents[1].glob(f"lib/python*/site-packages/samcli/local/rapid/{name}"))
    if not found:
        raise SamError(f"{name} is not in SAM CLI's package under {SAM.parents[1]}")
    return found[0]


def image_name() -> str:
    """The image's name for the recipe as it is now."""
    return _recipe("--name").strip()


def ensure_image() -> str:
    """The image's name, after building it if it does not exist yet."""
    return _recipe().strip().splitlines()[-1]


def exists(name: str) -> bool:
    return _docker("image", "inspect", name)


def docker_answers() -> bool:
    """Whether a Docker daemon answers (`docker info`)."""
    return shutil.which("docker") is not None and _docker("info")


def can_build() -> bool:
    """Whether this process can run the recipe: root, debootstrap and a C compiler."""
    return os.geteuid() == 0 and all(shutil.which(tool) for tool in ("debootstrap", "cc"))


def _recipe(*options: str) -> str:
    command = [str(RECIPE), str(emulator()), *options]
    env = os.environ | {"PIP": f"{sys.executable} -m pip"}
    return output(command, env, BUILD_TIMEOUT, "lambda-image/build.sh")


def _docker(*arguments: str) -> bool:
    done = subprocess.run(["docker", *arguments], capture_output=True, timeout=60, check=False)
    return done.returncode == 0
