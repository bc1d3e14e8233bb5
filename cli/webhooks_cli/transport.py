"""HTTP over urllib: one call, the answer whatever its status, connection failures as errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from webhooks_cli.errors import UNREACHABLE, CliError

TIMEOUT_SECONDS = 60.0
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class HttpReply:
    status: int
    reason: str
    content_type: str
    body: bytes
    location: str | None = None  # where a redirect points (redirects are not followed)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def parsed(self) -> Any:
        """The body as JSON when its type says JSON (and it parses), else text; None when empty."""
        if not self.body:
            return None
        if self.content_type == "application/json" or self.content_type.endswith("+json"):
            try:
                return json.loads(self.body)
            except ValueError:
                pass
        return self.text


def call(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> HttpReply:
    """Send one request; 4xx/5xx answers are returned, unreachable hosts raise (exit 5)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        direct = urlsplit(url).hostname in _LOOPBACK  # the local stack, never through a proxy
        with _opener(direct).open(request, timeout=timeout) as answer:
            return _reply(answer.status, answer.reason, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        return _reply(error.code, str(error.reason), error.headers, error.read())
    except OSError as error:
        reason = getattr(error, "reason", error)
        raise CliError(f"cannot connect to {url}: {reason}", UNREACHABLE) from error


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as answers: following one would carry the admin API's credentials
    to another host (a presigned link refuses them anyway)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@cache
def _opener(direct: bool) -> urllib.request.OpenerDirector:
    """Built once (it loads the CA store): no proxy when `direct`, else the environment's."""
    handlers: list[urllib.request.BaseHandler] = [_KeepRedirects()]
    if direct:
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _reply(status: int, reason: str, headers: Message, body: bytes) -> HttpReply:
    return HttpReply(status, reason, headers.get_content_type(), body, headers.get("location"))
