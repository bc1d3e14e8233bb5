"""The escape suite by class, through the real handlers on moto: ingest, the queue, process.

Each class has a defined result: refused when saved, or a FAILED execution with a clear error,
while the provider's other function and the batch's other message are processed normally (the
worker replaced when it died)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest.handler import lambda_handler as ingest_handler
from tests.conftest import http_event
from tests.escapes import ENUM_ESCAPE, ENUM_ESCAPE_REFUSED
from tests.integration.admin_client import call
from tests.integration.sqs import drain_queue
from webhook_engine import wiring
from webhook_engine.domain.models import Status

ESCAPES = {
    "engine-objects": ("return log.finish()[0].parse_raw('x')", "AttributeError"),
    "deserialiser": ("import pickle\nreturn pickle.loads(b'')", "ImportError"),
    "module-internals": ("import json\nreturn json.codecs.open('/etc/passwd')", "AttributeError"),
    "host-environment": ("import os\nreturn os.environ", "ImportError"),
    "host-files": ("return open('/etc/passwd').read()", "NameError"),
    "crash-in-c": (
        "t = ()\nfor i in range(300000):\n    t = (t,)\nreturn hash(t)",
        "ScriptProcessError: script process killed: signal 11 (SIGSEGV)",
    ),
    "memory-bomb": ("x = 'a' * 10**10", "MemoryError: script process killed: memory limit 256 MB"),
    "loop-in-c": (
        "import itertools\nreturn sum(itertools.repeat(1))",
        "ScriptTimeoutError: script ran longer than 3 s; script process killed",
    ),
    "class-factory": (ENUM_ESCAPE, ENUM_ESCAPE_REFUSED),
    "named-tuple": (
        "import collections\nreturn collections.namedtuple('P', 'x')",
        "AttributeError: module 'collections' has no attribute 'namedtuple' available to scripts",
    ),
    "python-defined-class": (
        "import string\nreturn string.Template('$x').substitute(x=1)",
        "AttributeError: module 'string' has no attribute 'Template' available to scripts",
    ),
}


def config() -> str:
    functions = "".join(
        f"      - name: {name}\n        uri: escape/{name}\n        script: {json.dumps(source)}\n"
        f"      - name: {name} neighbour\n        uri: escape/{name}\n"
        "        script: log.info('neighbour ran')\n"
        for name, (source, _) in ESCAPES.items()
    )
    return (
        "providers:\n  - name: Escapes\n    match_script: return True\n    functions:\n"
        + functions
        + "      - {name: normal, uri: normal, script: 'log.info(\"normal ran\")'}\n"
    )


def ingest(uri: str, context: Any) -> str:
    response = ingest_handler(http_event(uri, b"{}"), context)
    assert response["statusCode"] == 202
    message_id: str = json.loads(response["body"])["message_id"]
    return message_id


@pytest.fixture
def escapes(configure, monkeypatch):
    monkeypatch.setenv("FUNCTION_TIMEOUT_SECONDS", "3")
    wiring.reset()
    configure(config())


@pytest.mark.parametrize("name", list(ESCAPES))
def test_an_escape_fails_its_execution_only(escapes, lambda_context, name):
    # Given an escaping function and a normal message, queued in the same batch
    escaping, normal = ingest(f"escape/{name}", lambda_context), ingest("normal", lambda_context)

    # When the process handler takes the batch
    drained = drain_queue(lambda_context)

    # Then the escape failed its own execution with a clear error, and everything else ran
    assert drained == {"received": 2, "failed": set()}
    detail = wiring.message_store().get_detail(escaping)
    executions = {e.function: e for e in detail.executions}
    assert detail.message.status is Status.FAILED
    assert (executions[name].error or "").startswith(ESCAPES[name][1])
    assert executions[f"{name} neighbour"].logs[0].message == "neighbour ran"
    assert wiring.message_store().get_detail(normal).message.status is Status.SUCCESS


@pytest.mark.parametrize(
    "source",
    [
        "return ().__class__.__bases__[0].__subclasses__()",
        "return (x for x in []).gi_frame.f_back.f_globals",
        "return eval('1')",
        "import json as _json",
    ],
)
def test_an_escape_in_the_text_is_refused_when_saved(stack, source):
    # Given a function whose text names something forbidden
    document = {
        "providers": [
            {
                "name": "P",
                "match_script": "return True",
                "functions": [{"name": "f", "uri": "u", "script": source}],
            }
        ]
    }

    # When it is saved
    status, body = call("PUT", "/config", document)

    # Then it is refused, naming the line, and nothing is stored
    assert status == 400
    assert "line 1" in body["error"]["message"]
    assert call("GET", "/providers")[1]["items"] == []
