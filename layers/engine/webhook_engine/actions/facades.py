"""`http`, `aws` and `respond` as scripts see them: facades that ask the engine to act.

This module runs in the script worker, which holds no credentials and cannot open a socket:
each call becomes a `call` frame (see `sandbox/protocol.py`), and the engine, which decides
what is allowed, acts and answers. A refusal or a failure comes back as an exception the script may
catch: ActionRefused, ActionLimitError or ActionError, with a message naming the rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from webhook_engine.sandbox.facade import ScriptFacade
from webhook_engine.sandbox.names import Headers

# (target, arguments) -> the engine's answer; bound to the run that calls.
Caller = Callable[[str, dict[str, Any]], Any]


class HttpResponse(ScriptFacade):
    """What `http.get(...)` returns: `status`, `headers`, `text`, `url`, `ok` and `json()`."""

    __slots__ = ("headers", "status", "text", "url")
    script_attributes: ClassVar[frozenset[str]] = frozenset(
        {"status", "headers", "text", "url", "ok", "json"}
    )

    def __init__(self, answer: dict[str, Any]) -> None:
        self.status: int = int(answer["status"])
        self.headers = Headers(answer["headers"])
        self.text: str = str(answer["text"])
        self.url: str = str(answer["url"])

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    def json(self) -> Any:
        return json.loads(self.text)

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status}>"


def _verb(method: str) -> Callable[..., HttpResponse]:
    """The `http` method that sends `method`."""

    def send(
        self: ScriptHttp,
        url: str,
        json: Any = None,
        data: Any = None,
        headers: Any = None,
        timeout: float = 10,
    ) -> HttpResponse:
        arguments = {
            "method": method,
            "url": url,
            "json": json,
            "data": data,
            "headers": headers,
            "timeout": timeout,
        }
        return HttpResponse(self._call("http", arguments))

    send.__name__ = send.__qualname__ = method.lower()
    return send


class ScriptHttp(ScriptFacade):
    """`http` in function scripts: `get`, `post`, `put`, `patch` and `delete`."""

    __slots__ = ("_call",)
    script_attributes: ClassVar[frozenset[str]] = frozenset(
        {"get", "post", "put", "patch", "delete"}
    )

    def __init__(self, call: Caller) -> None:
        self._call = call

    get = _verb("GET")
    post = _verb("POST")
    put = _verb("PUT")
    patch = _verb("PATCH")
    delete = _verb("DELETE")

    def __repr__(self) -> str:
        return "<http>"


class ScriptAws(ScriptFacade):
    """`aws` in function scripts: the actions of docs/guide/scripts.md, "aws"."""

    __slots__ = ("_call",)
    script_attributes: ClassVar[frozenset[str]] = frozenset(
        {
            "put_event",
            "send_message",
            "publish",
            "start_execution",
            "start_build",
            "start_pipeline",
            "invoke",
        }
    )

    def __init__(self, call: Caller) -> None:
        self._call = call

    def put_event(
        self, detail_type: str, detail: Any, source: str | None = None, bus: str | None = None
    ) -> Any:
        arguments = {"detail_type": detail_type, "detail": detail, "source": source, "bus": bus}
        return self._call("aws.put_event", arguments)

    def send_message(self, queue_url: str, body: Any) -> Any:
        return self._call("aws.send_message", {"queue_url": queue_url, "body": body})

    def publish(self, topic_arn: str, message: Any, subject: str | None = None) -> Any:
        arguments = {"topic_arn": topic_arn, "message": message, "subject": subject}
        return self._call("aws.publish", arguments)

    def start_execution(self, state_machine_arn: str, input: Any) -> Any:
        arguments = {"state_machine_arn": state_machine_arn, "input": input}
        return self._call("aws.start_execution", arguments)

    def start_build(self, project: str, env: Any = None, source_version: str | None = None) -> Any:
        arguments = {"project": project, "env": env, "source_version": source_version}
        return self._call("aws.start_build", arguments)

    def start_pipeline(self, name: str) -> Any:
        return self._call("aws.start_pipeline", {"name": name})

    def invoke(self, function_name: str, payload: Any, wait: bool = False) -> Any:
        arguments = {"function_name": function_name, "payload": payload, "wait": wait}
        return self._call("aws.invoke", arguments)

    def __repr__(self) -> str:
        return "<aws>"


class Respond(ScriptFacade):
    """`respond(status=200, body=None, headers=None)`: the synchronous answer. True when it is
    the answer the sender gets; False when recorded only (asynchronous, or already answered)."""

    __slots__ = ("_call",)

    def __init__(self, call: Caller) -> None:
        self._call = call

    def __call__(self, status: int = 200, body: Any = None, headers: Any = None) -> bool:
        answer = self._call("respond", {"status": status, "body": body, "headers": headers})
        return bool(answer)

    def __repr__(self) -> str:
        return "<respond>"


def action_names(call: Caller) -> dict[str, object]:
    """The toolkit names of one run, each call going through `call`."""
    return {"http": ScriptHttp(call), "aws": ScriptAws(call), "respond": Respond(call)}
