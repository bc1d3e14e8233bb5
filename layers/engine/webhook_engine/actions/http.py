"""`http` calls as scripts make them: the arguments validated into a request, the reply turned
into the plain data the script worker gets.

`HttpCall.from_script(args)` takes the call's keyword arguments (`method`, `url`, `json` or
`data`, `headers`, `timeout`); `request_parts()` gives what `HttpClient.request` takes;
`reply_for_script(reply)` gives `{"status", "headers", "text", "url"}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from webhook_engine.actions.addresses import AddressPolicy
from webhook_engine.actions.calls import Performed
from webhook_engine.actions.errors import ActionError, ActionLimitError
from webhook_engine.actions.headers import NAME, VALUE
from webhook_engine.domain.ports import HttpClient, HttpReply

MAX_URL_LENGTH = 8192
MAX_HEADERS = 50
MAX_HEADER_VALUE = 8192
MAX_REQUEST_BYTES = 1_048_576
DEFAULT_TIMEOUT = 10.0
# Framing and connection headers belong to the client; a script setting them could smuggle a
# second request into the connection or desynchronise it.
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
    }
)


class OutboundRequest(NamedTuple):
    """`HttpClient.request`'s arguments, in its order."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: float


class HttpCall(BaseModel):
    """One `http` call's arguments, as a script passed them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    json_body: JsonValue | None = Field(default=None, alias="json")
    data: str | None = None
    headers: dict[str, str] | None = Field(default=None, max_length=MAX_HEADERS)
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, allow_inf_nan=False)

    _body: bytes | None = PrivateAttr(default=None)

    @classmethod
    def from_script(cls, args: dict[str, Any]) -> HttpCall:
        """The call, validated; ActionError naming the first bad argument (never its value),
        ActionLimitError when the body is over MAX_REQUEST_BYTES."""
        try:
            call = cls.model_validate(args)
        except ValidationError as error:
            raise ActionError(f"http: {_summary(error)}") from None
        if call._body is not None and len(call._body) > MAX_REQUEST_BYTES:
            raise ActionLimitError(
                f"http: request body over the {MAX_REQUEST_BYTES}-byte limit of a call"
            )
        return call

    @field_validator("headers")
    @classmethod
    def _headers_allowed(cls, headers: dict[str, str] | None) -> dict[str, str] | None:
        if headers is None:
            return None
        seen: set[str] = set()
        for name, value in headers.items():
            lowered = name.lower()
            if not NAME.fullmatch(name):
                raise ValueError(f"{name[:100]!r} is not a header name")
            if lowered in RESERVED_HEADERS:
                raise ValueError(f"header {name} is set by the client")
            if lowered in seen:
                raise ValueError(f"header {name} is given twice")
            if len(value) > MAX_HEADER_VALUE or not VALUE.fullmatch(value):
                raise ValueError(
                    f"header {name} is too long or holds control or non-Latin-1 characters"
                )
            seen.add(lowered)
        return headers

    @model_validator(mode="after")
    def _encode_body(self) -> Self:
        if self.json_body is not None and self.data is not None:
            raise ValueError("pass json or data, not both")
        if self.data is not None:
            self._body = self.data.encode()
        elif self.json_body is not None:
            self._body = _json_bytes(self.json_body)
        return self

    def request_parts(self) -> OutboundRequest:
        """Method, URL, headers, body and the script's timeout; `json` adds
        `Content-Type: application/json` unless the script set one."""
        headers = dict(self.headers or {})
        if self.json_body is not None and not any(n.lower() == "content-type" for n in headers):
            headers["Content-Type"] = "application/json"
        return OutboundRequest(self.method, self.url, headers, self._body, self.timeout)


def reply_for_script(reply: HttpReply) -> dict[str, JsonValue]:
    """The reply as the script worker gets it (JSON data): the body as UTF-8 text, undecodable
    bytes replaced."""
    return {
        "status": reply.status,
        "headers": dict(reply.headers),
        "text": reply.body.decode("utf-8", errors="replace"),
        "url": reply.url,
    }


def _json_bytes(value: JsonValue) -> bytes:
    try:
        return json.dumps(
            value, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()
    except ValueError:
        raise ValueError("json holds a number JSON cannot carry (NaN or infinity)") from None


def _summary(error: ValidationError) -> str:
    """The first error as `where: what`, without the input (it may hold a secret)."""
    first = error.errors(include_url=False, include_input=False, include_context=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "arguments"
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {message}{more}"


class HttpPerformer:
    """Performs scripts' `http` calls with the container's client and describes them under the
    container's address policy, each built at first use (an unusable `HTTP_ALLOWED_HOSTS` then
    fails `http` calls only, naming the setting)."""

    def __init__(
        self, client: Callable[[], HttpClient], policy: Callable[[], AddressPolicy]
    ) -> None:
        self._client = client
        self._policy = policy

    def describe(self, target: str, args: Mapping[str, JsonValue]) -> str:
        """`METHOD url` as the script wrote it, without query string or fragment, which may carry
        a credential (a user or password is refused). Written as it is, a secret that is a whole
        URL (an incoming-webhook URL, whose path is the credential) is masked in the record.
        The URL must pass the rules that need no lookup, so that a dry run refuses what a real
        call would (but for where a name resolves)."""
        call = HttpCall.from_script(dict(args))
        _deployed(self._policy).check_url(call.url)
        return f"{call.method} {call.url.split('#', 1)[0].split('?', 1)[0]}"

    def perform(self, target: str, args: Mapping[str, JsonValue], timeout: float) -> Performed:
        request = HttpCall.from_script(dict(args)).request_parts()
        client = _deployed(self._client)
        reply = client.request(*request._replace(timeout=min(request.timeout, timeout)))
        return Performed(reply_for_script(reply), status=reply.status)

    def dry_value(self, target: str, args: Mapping[str, JsonValue]) -> JsonValue:
        """An empty `200` from the URL called."""
        return {"status": 200, "headers": {}, "text": "", "url": str(args.get("url", ""))}


def _deployed[T](build: Callable[[], T]) -> T:
    """The container's client or policy; ActionError naming the setting that spoils it."""
    try:
        return build()
    except ValueError as error:
        raise ActionError(f"http: the deployment's HttpAllowedHosts: {error}") from None
