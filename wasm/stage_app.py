"""Stage what the instance's /app holds: the guest, and exactly the modules of the engine and of
RestrictedPython that it imports (found by importing it here, with the same stand-ins), each
compiled (the guest's file system is read-only).

    python wasm/stage_app.py BUILD_DIR      -> BUILD_DIR/app
"""

from __future__ import annotations

import compileall
import json
import shutil
import subprocess
import sys
from pathlib import Path

GUEST = Path(__file__).parent / "guest"
_LIST_IMPORTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import script_guest
files = sorted(
    module.__file__ for name, module in sys.modules.items()
    if name.split(".")[0] in ("webhook_engine", "RestrictedPython") and getattr(module, "__file__", None)
)
print(json.dumps(files))
"""


def imported_files() -> list[Path]:
    """The engine's and RestrictedPython's files the guest imports."""
    found = subprocess.run(
        [sys.executable, "-c", _LIST_IMPORTS, str(GUEST)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [Path(name) for name in json.loads(found.stdout)]


def stage(build: Path) -> Path:
    app = build / "app"
    shutil.rmtree(app, ignore_errors=True)
    app.mkdir(parents=True)
    for source in GUEST.glob("*.py"):
        shutil.copy2(source, app / source.name)
    for source in imported_files():
        package_root = next(p for p in source.parents if not (p / "__init__.py").exists())
        target = app / source.relative_to(package_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    compileall.compile_dir(app, quiet=1)
    return app


if __name__ == "__main__":
    print(stage(Path(sys.argv[1])))
