"""Who may call what: the least role of every admin route, in one table.

The admin function enforces it for every caller (docs/security.md, "Roles"); the IAM managed
policies of the template are generated from it (`python -m admin.policies`), and tests hold
the OpenAPI document and the template to it.
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import cache


class Role(IntEnum):
    """Each role may do what the one below it may, and more."""

    viewer = 1
    operator = 2
    editor = 3


VIEWER, OPERATOR, EDITOR = Role.viewer, Role.operator, Role.editor

# "METHOD /path" (as in the OpenAPI document, under /admin/v1) -> the least role that may call it.
ROUTES: dict[str, Role] = {
    "GET /health": VIEWER,
    "GET /whoami": VIEWER,
    "GET /messages": VIEWER,
    "GET /messages/{message_id}/overview": VIEWER,
    "GET /dead-letters": VIEWER,
    "GET /messages/{message_id}": OPERATOR,
    "GET /messages/{message_id}/body": OPERATOR,
    "POST /messages/{message_id}/resubmit": OPERATOR,
    "POST /messages/resubmit": OPERATOR,
    "GET /dead-letters/messages": OPERATOR,
    "GET /dead-letters/messages/{record_id}": OPERATOR,
    "DELETE /dead-letters/messages/{record_id}": OPERATOR,
    "POST /dead-letters/messages/{record_id}/redrive": OPERATOR,
    "POST /dead-letters/redrive": OPERATOR,
    "POST /test": OPERATOR,  # a draft, or inherit_secrets: editor (the route checks the body)
    "GET /audit": OPERATOR,
    "GET /providers": EDITOR,
    "POST /providers": EDITOR,
    "PUT /providers/order": EDITOR,
    "GET /providers/{provider_id}": EDITOR,
    "PUT /providers/{provider_id}": EDITOR,
    "PATCH /providers/{provider_id}": EDITOR,
    "DELETE /providers/{provider_id}": EDITOR,
    "GET /providers/{provider_id}/versions": EDITOR,
    "GET /functions": EDITOR,
    "POST /functions": EDITOR,
    "GET /functions/{function_id}": EDITOR,
    "PUT /functions/{function_id}": EDITOR,
    "PATCH /functions/{function_id}": EDITOR,
    "DELETE /functions/{function_id}": EDITOR,
    "GET /functions/{function_id}/versions": EDITOR,
    "GET /config": EDITOR,
    "PUT /config": EDITOR,
}
# Routes outside the OpenAPI document: the document itself and its page.
UNDOCUMENTED: dict[str, Role] = {"GET /openapi.json": VIEWER, "GET /swagger": VIEWER}
# What a path no route takes needs: any role, so that a 404 or 405 tells no one else anything.
UNKNOWN = VIEWER

_PARAMETER = re.compile(r"\{[a-z_]+\}")


@cache
def _patterns() -> list[tuple[str, re.Pattern[str], Role]]:
    """Each route as (method, path pattern, role); static paths first, as the resolver
    takes `/providers/order` before `/providers/{provider_id}`."""
    table = ROUTES | UNDOCUMENTED
    ordered = sorted(table.items(), key=lambda item: "{" in item[0])
    compiled = []
    for route, role in ordered:
        method, path = route.split(" ", 1)
        segments = ("[^/]+" if _PARAMETER.fullmatch(s) else re.escape(s) for s in path.split("/"))
        compiled.append((method, re.compile("/".join(segments)), role))
    return compiled


def least_role(method: str, path: str) -> Role:
    """The least role that may call `method path` (`path` without /admin/v1); `UNKNOWN` for
    a route the table lacks (the resolver answers it 404 or 405)."""
    for route_method, pattern, role in _patterns():
        if route_method == method and pattern.fullmatch(path):
            return role
    return UNKNOWN


def routes_of(role: Role) -> list[str]:
    """The documented routes `role` may call."""
    return [route for route, least in ROUTES.items() if least <= role]
