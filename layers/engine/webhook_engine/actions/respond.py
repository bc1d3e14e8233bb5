"""`respond(status=200, body=None, headers=None)`: a script's synchronous answer, checked.

The answer is served from the webhook API's origin (locally the admin API's too), so whatever a
browser would act on is refused: statuses, headers and content types come from allow-lists.

- Statuses: 2xx, 4xx and 5xx; 3xx only as a redirect (301, 302, 303, 307, 308) with a
  `Location` header.
- Headers: `Content-Type`, `Location` and `X-` headers, each once (names compared without
  regard to case), values of Latin-1 text without control characters. Not `X-` headers that
  AWS or a proxy in front reads (`X-Amz-*`, `X-Amzn-*`, `X-Accel-*`, `X-Sendfile`), nor the
  ones the engine sets. So no `Set-Cookie`, no CORS (`Access-Control-*`), no `Refresh`,
  `Link`, `WWW-Authenticate`, caching or framing header.
- `Content-Type`: text a browser shows as text or data, never renders: `text/plain`,
  `text/csv`, `application/json` and `application/<name>+json`,
  `application/x-www-form-urlencoded`, with at most `charset=utf-8` (the body is UTF-8). Not
  HTML, XHTML, SVG or any XML, JavaScript, CSS or PDF.
- `Location`: a path on the same host (`/done`, never `//host` or a backslash), or an
  `http(s)` URL whose host the provider lists in `redirect_hosts` (`host` or `host:port`).
- Every answer carries `X-Content-Type-Options: nosniff` and `Content-Security-Policy:
  sandbox` (ANSWER_HEADERS): a browser neither guesses another type nor runs anything in it.

A str body is sent as text, any other JSON value as JSON (numbers JSON cannot carry, NaN and
infinity, are refused); bytes are not JSON data, so a binary answer is not possible. A body with
204 or 205 is refused, as they carry none. Broken rules are ActionRefused naming the rule;
arguments of the wrong type are ActionError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic import ValidationError as InvalidArguments

from webhook_engine.actions.addresses import DEFAULT_PORTS, normalise_host, parse_allowed
from webhook_engine.actions.errors import ActionError, ActionLimitError, ActionRefused
from webhook_engine.actions.headers import ANSWER_HEADERS, NAME, VALUE
from webhook_engine.domain.clipping import clip
from webhook_engine.domain.errors import describe
from webhook_engine.domain.models import SyncAnswer

MAX_ANSWER_BYTES = 1_048_576
MAX_HEADERS = 20
MAX_HEADER_VALUE = 4096
RECORDED_BODY = 8_192  # characters of an answer's body kept with its execution
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BODILESS = frozenset({204, 205})
_ALLOWED_NAMES = frozenset({"content-type", "location"})
# X- headers read by AWS (API Gateway, X-Ray) or by a proxy that serves files (nginx,
# Apache, lighttpd), and the engine's own.
_RESERVED_X = re.compile(r"x-(amzn?-.*|accel-.*|sendfile|lighttpd-send-file|content-type-options)")
_MEDIA_TYPE = re.compile(
    r"(?P<type>[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*)"
    r'(?:[ \t]*;[ \t]*charset[ \t]*=[ \t]*(?P<charset>"utf-8"|utf-8))?[ \t]*',
    re.IGNORECASE,
)
_TEXT_TYPES = re.compile(
    r"text/plain|text/csv|application/json|application/[a-z0-9.+-]+\+json"
    r"|application/x-www-form-urlencoded"
)
# A URL's characters (RFC 3986): no space, control, backslash or non-ASCII character.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%\[\]]+")


class RespondCall(BaseModel):
    """The arguments of one `respond` call, by type (the rules are checked after)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: int = Field(default=200, ge=200, le=599)
    body: JsonValue = None
    headers: dict[str, str] | None = Field(default=None, max_length=MAX_HEADERS)


def sync_answer(args: dict[str, JsonValue], redirect_hosts: Iterable[str] = ()) -> SyncAnswer:
    """The answer a `respond` call asks for: ActionError when its arguments are unusable,
    ActionRefused when they break a rule. `redirect_hosts`: the provider's."""
    try:
        call = RespondCall.model_validate(args)
    except InvalidArguments as error:
        raise ActionError(f"respond: {describe(error)}") from None
    headers = _headers(call.headers or {}, redirect_hosts)
    _check_status(call.status, headers, call.body)
    if call.body is None:
        body = ""
    elif isinstance(call.body, str):
        body = call.body
        headers.setdefault("content-type", "text/plain; charset=utf-8")
    else:
        try:
            body = json.dumps(call.body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise ActionError(
                "respond: body holds a number JSON cannot carry (NaN or infinity)"
            ) from None
        headers.setdefault("content-type", "application/json")
    # Measured as the Lambda response carries it (JSON-escaped), which must stay under 6 MB.
    if len(json.dumps(body)) > MAX_ANSWER_BYTES:
        raise ActionLimitError(f"respond: body over {MAX_ANSWER_BYTES:,} bytes (limit)")
    return SyncAnswer(status=call.status, headers=headers | ANSWER_HEADERS, body=body)


def _check_status(status: int, headers: dict[str, str], body: JsonValue) -> None:
    if 300 <= status < 400 and status not in REDIRECTS:
        raise ActionRefused(
            f"respond: status {status} refused; a script answers 2xx, 4xx, 5xx or a redirect "
            "(301, 302, 303, 307, 308)"
        )
    if status in REDIRECTS and "location" not in headers:
        raise ActionRefused(f"respond: a {status} redirect needs a Location header")
    if status in _BODILESS and body is not None:
        raise ActionRefused(f"respond: a {status} answer carries no body")


def _headers(given: dict[str, str], redirect_hosts: Iterable[str]) -> dict[str, str]:
    """The headers by lower-case name, each checked; ActionRefused naming the first rule one
    breaks (a name is shown only once it is a plain token)."""
    headers: dict[str, str] = {}
    for name, value in given.items():
        lowered = name.lower()
        if not NAME.fullmatch(name):
            raise ActionRefused(f"respond: header name {name[:100]!r} is not a token")
        if not _allowed_name(lowered):
            raise ActionRefused(
                f"respond: header {name} refused; a script sets Content-Type, Location and "
                "X- headers (not X-Amz-*, X-Amzn-*, X-Accel-*, X-Sendfile)"
            )
        if lowered in headers:
            raise ActionRefused(f"respond: header {name} is given twice")
        if len(value) > MAX_HEADER_VALUE or not VALUE.fullmatch(value):
            raise ActionRefused(
                f"respond: header {name}: over {MAX_HEADER_VALUE:,} characters, or control or "
                "non-Latin-1 ones"
            )
        headers[lowered] = value
    if "content-type" in headers:
        _check_content_type(headers["content-type"])
    if "location" in headers:
        _check_location(headers["location"], redirect_hosts)
    return headers


def _allowed_name(lowered: str) -> bool:
    if lowered in _ALLOWED_NAMES:
        return True
    return lowered.startswith("x-") and not _RESERVED_X.fullmatch(lowered)


def _check_content_type(value: str) -> None:
    parsed = _MEDIA_TYPE.fullmatch(value.strip(" \t"))
    if parsed is None or not _TEXT_TYPES.fullmatch(parsed["type"].lower()):
        raise ActionRefused(
            "respond: Content-Type refused; a script answers text/plain, text/csv, "
            "application/json, application/*+json or application/x-www-form-urlencoded, "
            "with at most charset=utf-8"
        )


def _check_location(value: str, redirect_hosts: Iterable[str]) -> None:
    """A path on this host, or an http(s) URL to a host the provider lists."""
    if not _URL_CHARACTERS.fullmatch(value):
        raise ActionRefused(
            "respond: Location holds spaces, backslashes, control or non-ASCII characters"
        )
    if value.startswith("/") and not value.startswith("//"):
        return
    host, port = _location_host(value)
    listed = {parse_allowed(entry) for entry in redirect_hosts}
    if (host, None) not in listed and (host, port) not in listed:
        raise ActionRefused(
            f"respond: Location to {host} refused; the provider lists the hosts it may "
            "redirect to in redirect_hosts"
        )


def _location_host(value: str) -> tuple[str, int]:
    """The host and port an absolute Location URL names (the scheme's port if none)."""
    parts = urlsplit(value)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        raise ActionRefused(
            "respond: Location must be a path (/...) or an http(s) URL without user or password"
        )
    try:
        host, given = normalise_host(parts.hostname), parts.port
    except (ValueError, ActionRefused):  # a port past 65535, a host that is no name
        host, given = "", 0
    if not host or given == 0:
        raise ActionRefused("respond: Location's host or port is not valid")
    return host, DEFAULT_PORTS[parts.scheme] if given is None else given


def recorded(answer: SyncAnswer, redact: Callable[[str], str]) -> SyncAnswer:
    """The copy kept with the execution: `redact` masks the secret values in its body and
    header values, then the body is cut to RECORDED_BODY characters."""
    headers = {name: redact(value) for name, value in answer.headers.items()}
    body = clip(redact(answer.body), RECORDED_BODY)
    return answer.model_copy(update={"body": body, "headers": headers})
