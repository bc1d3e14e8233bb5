"""Script processes start on Lambda's interpreter layout: a Python built as a shared library
(`bin/python3.13` needing `lib/libpython3.13.so.1.0`) without a RUNPATH, found only through the
runtime's LD_LIBRARY_PATH. pyenv's interpreter carries a RUNPATH, which hides the difference:
these tests strip it from a copy (patchelf, from Debian's packages), as Lambda's is built."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import webhook_engine
from webhook_engine.sandbox.confinement import ProcessLimits
from webhook_engine.sandbox.supervisor import (
    Sandbox,
    SandboxUnavailableError,
    worker_environment,
    zygote_command,
)

pytestmark = pytest.mark.skipif(
    shutil.which("patchelf") is None or not sysconfig.get_config_var("Py_ENABLE_SHARED"),
    reason="needs patchelf (apt install patchelf) and a Python built as a shared library",
)
VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def lang(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/var/lang as Lambda lays it out: the interpreter without a RUNPATH, its library and
    standard library under lib/."""
    root = tmp_path_factory.mktemp("lang")
    (root / "bin").mkdir()
    (root / "lib").mkdir()
    real = Path(os.path.realpath(sys.executable))
    interpreter = root / "bin" / VERSION
    shutil.copy2(real, interpreter)
    subprocess.run(["patchelf", "--remove-rpath", str(interpreter)], check=True)
    library_dir = Path(sysconfig.get_config_var("LIBDIR"))
    for library in library_dir.glob(f"lib{VERSION}.so*"):
        (root / "lib" / library.name).symlink_to(library)
    (root / "lib" / VERSION).symlink_to(library_dir / VERSION)
    return root


ENGINE = """
import sys
from datetime import UTC, datetime
from webhook_engine.sandbox.supervisor import ScriptRun, default_sandbox, script_request
request = script_request(message_id="m", method="POST", uri="u", query_string="", headers={},
                         body=b"{}", source_ip="192.0.2.1", received_at=datetime.now(UTC))
with default_sandbox().process() as process:
    outcome = process.run(request, ScriptRun("return True", "provider:t", "match", {}, 5.0))
print(outcome.truthy, outcome.error)
default_sandbox().close()
"""


def _engine_paths() -> str:
    """The engine's code and its dependencies, for an interpreter outside the venv."""
    engine = Path(webhook_engine.__file__ or "").resolve().parents[1]
    paths = [str(Path(path).resolve()) for path in sys.path if path and Path(path).is_dir()]
    return os.pathsep.join(dict.fromkeys([str(engine), *paths]))


def test_the_interpreter_copy_needs_the_library_path_as_lambdas_does(lang):
    # Given the copy without a RUNPATH
    interpreter = lang / "bin" / VERSION
    # When it starts without, then with, LD_LIBRARY_PATH
    bare = subprocess.run([interpreter, "-c", "pass"], env={}, capture_output=True, check=False)
    library_path = {"LD_LIBRARY_PATH": str(lang / "lib")}
    pathed = subprocess.run([interpreter, "-c", "pass"], env=library_path, check=False)
    # Then only the second starts (the layout reproduces Lambda's)
    assert bare.returncode != 0
    assert b"libpython" in bare.stderr
    assert pathed.returncode == 0


def test_an_engine_on_lambdas_layout_runs_scripts(lang):
    # Given the engine running on that interpreter, with the runtime's LD_LIBRARY_PATH and
    # the function's credentials in its environment
    environment = {
        "LD_LIBRARY_PATH": f"{lang / 'lib'}:/lib64:/usr/lib64",
        "PYTHONPATH": _engine_paths(),
        "AWS_SECRET_ACCESS_KEY": "canary",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    # When it runs a match script
    done = subprocess.run(
        [lang / "bin" / VERSION, "-c", ENGINE],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then the script process started (it was given the library path) and matched
    assert done.stdout.strip() == "True None", done.stderr


def test_without_the_library_path_the_zygote_fails_saying_why(lang):
    # Given a sandbox that would start the copy without LD_LIBRARY_PATH
    command = zygote_command(ProcessLimits(), executable=str(lang / "bin" / VERSION))
    sandbox = Sandbox(command=command, environment=worker_environment())
    # When its protections are asked for (the zygote must start)
    # Then it is an infrastructure failure that names the missing library
    with pytest.raises(SandboxUnavailableError, match="libpython"):
        sandbox.protections()
