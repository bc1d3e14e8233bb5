"""The process wall's attacks (tests/unit/sandbox/test_process_wall.py), run as unrestricted
Python inside a WebAssembly instance: what code past the language wall could do there. Then
scripts through the sandbox itself, where the instance's stand-ins matter (time limits,
sleeping, OpenSSL's functions), compared with the same scripts run in this process.

    python wasm/attacks.py BUILD_DIR [--json]

Each attack runs in a fresh instance whose worker executes the source with the real builtins
(the tests' UNRESTRICTED run, the same code), with the limits of host.py: no environment,
read-only preopens of the standard library and /app only, an epoch deadline at the script's
limit plus 0.5 s, 256 MB of linear memory. Prints each attack and what became of it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from host import ARGV, GUEST_APP, Frame, Instance, Runtime

from bench import Conversation, layer_of, workloads

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from tests.integration.sandbox.injected import UNRESTRICTED
from webhook_engine.sandbox import compile_script, run_script
from webhook_engine.sandbox.names import LogBook, ScriptLog
from webhook_engine.sandbox.supervisor import ScriptRun, _run_frame, script_request
from webhooks_bench.main import _request_fields

ENGINE = os.getpid()
_GUEST = f"""
import sys
sys.path.insert(0, {GUEST_APP!r})
import script_guest
from webhook_engine.sandbox import worker
def replace_run(run):
    worker.Worker.run = run
{UNRESTRICTED}
import os
os._exit(script_guest.main([]))
"""
ARGV_UNRESTRICTED = [*ARGV[:-1], "-c", _GUEST]


def _tried(action: str) -> str:
    """Attack code: `action`, then "allowed", or the exception that refused it."""
    return (
        f"try:\n    {action}\nexcept BaseException as error:\n"
        "    return 'refused: ' + type(error).__name__ + ' ' + str(error)[:80]\n"
        "return 'allowed'"
    )


ATTACKS: dict[str, str] = {
    "read the engine's environment (credentials)": _tried(
        f"open('/proc/{ENGINE}/environ', 'rb').read()"
    ),
    "read a file": _tried("open('/etc/hostname').read()"),
    "list the file system": _tried("import os; os.listdir('/')"),
    "list what is preopened": "import os\nreturn [len(os.listdir(d)) for d in ('/usr/local/lib', '/app')]",
    "write into the read-only library": _tried("open('/app/planted.py', 'w').write('x')"),
    "delete a file of the library": _tried("import os; os.unlink('/app/script_guest.py')"),
    "delete a file of the host": _tried("import os; os.unlink(VICTIM)"),
    "open a socket": _tried("import socket; socket.socket()"),
    "connect out": _tried("import socket; socket.create_connection(('127.0.0.1', 9), timeout=1)"),
    "import a module not built (ctypes)": _tried("import ctypes"),
    "import a stdlib module not loaded": _tried("import email.parser"),
    "signal the engine": _tried(f"import os; os.kill({ENGINE}, 0)"),
    "start a process": _tried("import os; os.fork()"),
    "run a program": _tried("import os; os.execv('/bin/true', ['true'])"),
    "raise its own limits": _tried("import resource"),
    "read the environment": "import os\nreturn dict(os.environ)",
    "make code from bytes": _tried("(lambda: 0).__code__.replace(co_consts=(1,))"),
    "write forged lines on stderr": (
        'import os\nos.write(2, b\'{"level": "ERROR", "message": "forged"}\\n\')\n'
        "return 'written'"
    ),
    "write on its own stdin (the host's file)": _tried("import os; os.write(0, b'x')"),
    "send the engine an invalid frame": 'import os\nos.write(1, b\'{"type": "result"}\\n\')',
    "memory bomb": _tried("x = bytearray(1 << 30)"),
    "memory bomb, step by step": _tried(
        "chunks = []\n    while True:\n        chunks.append(bytearray(1 << 24))"
    ),
    "deep recursion in C (the wasm stack)": _tried(
        "import json; json.loads('[' * 200000 + ']' * 200000)"
    ),
    "CPU spin that swallows its time limit": (
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass"
    ),
    "sleep past the deadline (time.sleep)": _tried("import time; time.sleep(30)"),
    "sleep past the deadline (a relative poll)": _tried(
        "import select; select.select([], [], [], 30)"
    ),
    "hook the worker for later runs": (
        "type(worker).run = lambda self, frame: None\nreturn 'hooked'"
    ),
}


# Scripts through the sandbox: (source, time limit). Each one's result is compared with the
# same script's in this process; those that overrun are expected to fail at their limit.
SCRIPTS: dict[str, tuple[str, float]] = {
    "sleep within the limit": ("import time\ntime.sleep(0.2)\nlog.set_message('slept')", 2.0),
    "sleep past the limit": ("import time\ntime.sleep(5)\nlog.set_message('slept')", 1.0),
    "loop past the limit": ("while True:\n    pass", 1.0),
    "HMAC (OpenSSL's in a process)": (
        "import hmac, hashlib\nlog.set_message(hmac.new(b'k', b'm', hashlib.sha256).hexdigest())",
        2.0,
    ),
    "pbkdf2_hmac (OpenSSL's in a process)": (
        "import hashlib\nlog.set_message(hashlib.pbkdf2_hmac('sha256', b'p', b's', 100, 40).hex())",
        2.0,
    ),
    "every guaranteed hash": (
        "import hashlib\ndigests = []\nfor name in sorted(hashlib.algorithms_guaranteed):\n"
        "    h = hashlib.new(name, b'x')\n"
        "    digests.append(h.hexdigest(8) if name.startswith('shake') else h.hexdigest()[:8])\n"
        "log.set_message(' '.join(digests))",
        2.0,
    ),
    "a class of an HMAC's": (
        "import hmac\nlog.set_message(hmac.new(b'k', b'', 'md5').__class__)",
        2.0,
    ),
}


def through_sandbox(runtime: Runtime, source: str, limit: float) -> dict[str, Any]:
    """`source` as a function script in a fresh instance: its result frame, and how long."""
    _, headers, body = workloads()
    request = script_request(**_request_fields(headers, body))
    run = ScriptRun(source, "function:check", "function", {}, limit)
    conversation = Conversation(iter([(request, [run])]), reset=False)
    instance = Instance(runtime, conversation.respond)
    conversation.instance = instance
    started = time.perf_counter()
    outcome = instance.run()
    found = conversation.results[0] if conversation.results else {}
    return {
        "result": found.get("summary")
        if found.get("ok")
        else found.get("error", {}).get("message"),
        "instance": outcome.trap or f"exit {outcome.exit_code}",
        "seconds": round(time.perf_counter() - started, 2),
    }


def in_process(source: str, limit: float) -> str | None:
    """The same script's summary, or its error, in this process."""
    book = LogBook()
    try:
        run_script(compile_script(source, "function:check"), {"log": ScriptLog(book)}, limit)
    except Exception as error:
        return str(error)
    return book.summary


def attack(runtime: Runtime, source: str, timeout: float = 2.0) -> dict[str, Any]:
    """Run `source` unrestricted in a fresh instance: its result, or how the instance ended."""
    loads, headers, body = workloads()
    request = script_request(**_request_fields(headers, body))
    run = loads["seed"][0][0]
    frames: list[Frame] = []

    def respond(frame: Frame) -> list[Frame]:
        frames.append(frame)
        if frame["type"] != "ready":
            return []
        instance.allow(timeout)
        sent = {"type": "request", "key": str(request.key), "request": request.fields}
        attack_run = _run_frame(1, request, run) | {"source": source, "timeout": timeout}
        return [sent, attack_run]

    instance = Instance(runtime, respond, argv=ARGV_UNRESTRICTED)  # its stderr goes nowhere
    started = time.perf_counter()
    outcome = instance.run()
    seconds = time.perf_counter() - started
    results = [frame for frame in frames if frame["type"] == "result"]
    found = results[0] if results else None
    return {
        "result": (found.get("summary") if found["ok"] else found["error"]["message"])
        if found
        else None,
        "instance": outcome.trap or f"exit {outcome.exit_code}",
        "seconds": round(seconds, 2),
    }


def main(arguments: list[str]) -> int:
    runtime = Runtime(layer_of(Path(arguments[0])))
    with tempfile.TemporaryDirectory() as directory:
        victim = Path(directory) / "victim"
        victim.write_text("still here")
        report = {}
        for name, source in ATTACKS.items():
            print(f"attack: {name}...", file=sys.stderr, flush=True)
            report[name] = attack(runtime, source.replace("VICTIM", repr(str(victim))))
            report[name]["victim_still_there"] = victim.exists()
    for name, (source, limit) in SCRIPTS.items():
        print(f"script: {name}...", file=sys.stderr, flush=True)
        report[f"script: {name}"] = through_sandbox(runtime, source, limit) | {
            "in_process": in_process(source, limit)
        }
    if "--json" in arguments:
        print(json.dumps(report, indent=2))
    else:
        for name, found in report.items():
            print(f"{name}\n    {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
