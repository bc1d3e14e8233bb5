"""The admin API's OpenAPI document as the API answers: every status each route can answer,
with the error shape, and the request body of PUT /config, which the route reads raw.

The resolver documents a 200 (and a 422 this API never sends) for every route; this table is
the rest, with each route's least role (`x-required-role`, from `admin.roles`). schemathesis holds the document to what the running API does (tests/e2e).
"""

from __future__ import annotations

from typing import Any

from admin.roles import ROUTES
from webhook_engine.config.document import ConfigDocument

ERRORS = {
    400: "Invalid request: the message names the field, parameter or body part",
    401: "Missing or invalid credentials",
    403: "The caller's role is below the one this needs (`required_role`)",
    404: "Not found: what the path or the body names does not exist",
    409: "Conflict: a name taken, an item that cannot be read (PUT or DELETE it), a change "
    "made meanwhile",
    500: "Internal error; see the admin function's logs",
    415: "The body is not JSON (nor YAML, for PUT /config)",
    502: "An AWS service refused a call the operation depends on",
}
COMMON = (400, 401, 403, 500)  # any route: parameters, body, credentials, role, the unexpected
FOUND = (404, 409)  # a route naming a provider or function: absent, or unreadable
QUEUE = (502,)  # a route that calls SQS
SUCCESS: dict[str, int] = {
    "POST /providers": 201,
    "POST /functions": 201,
    "DELETE /providers/{provider_id}": 204,
    "DELETE /functions/{function_id}": 204,
    "DELETE /dead-letters/messages/{record_id}": 204,
    "POST /messages/{message_id}/resubmit": 202,
    "POST /messages/resubmit": 202,
    "POST /dead-letters/redrive": 202,
    "POST /dead-letters/messages/{record_id}/redrive": 202,
}
EXTRA: dict[str, tuple[int, ...]] = {
    "GET /messages/{message_id}": (404,),
    "GET /messages/{message_id}/body": (307, 404),
    "GET /messages/{message_id}/overview": (404,),
    "POST /messages/{message_id}/resubmit": (404, 409, *QUEUE),
    "POST /messages/resubmit": (404, 409, *QUEUE),
    "POST /providers": (409,),
    "PUT /providers/order": (409,),
    "GET /providers/{provider_id}": FOUND,
    "PUT /providers/{provider_id}": FOUND,
    "PATCH /providers/{provider_id}": FOUND,
    "DELETE /providers/{provider_id}": FOUND,
    "GET /providers/{provider_id}/versions": FOUND,
    "GET /functions": (404,),
    "POST /functions": FOUND,
    "GET /functions/{function_id}": FOUND,
    "PUT /functions/{function_id}": FOUND,
    "PATCH /functions/{function_id}": FOUND,
    "DELETE /functions/{function_id}": FOUND,
    "GET /functions/{function_id}/versions": FOUND,
    "PUT /config": (409,),
    "GET /dead-letters": QUEUE,
    "POST /dead-letters/redrive": QUEUE,
    "GET /dead-letters/messages": QUEUE,
    "GET /dead-letters/messages/{record_id}": (404, *QUEUE),
    "POST /dead-letters/messages/{record_id}/redrive": (404, *QUEUE),
    "DELETE /dead-letters/messages/{record_id}": (404, *QUEUE),
}
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "required_role": {
                    "type": "string",
                    "enum": ["viewer", "operator", "editor"],
                    "description": "With 403: the least role the call needs",
                },
            },
        }
    },
}


def answered(document: dict[str, Any]) -> dict[str, Any]:
    """The generated document with each route's statuses and PUT /config's body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            route = f"{method.upper()} {path}"
            _statuses(route, operation)
            operation["x-required-role"] = ROUTES[route].name
    schemas = document["components"]["schemas"]
    # Powertools' validation schemas: the API answers its own Error instead, and a dangling
    # reference among them breaks clients generated from the document.
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    schemas["Error"] = _ERROR_SCHEMA
    config = ConfigDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas |= {name: schema for name, schema in config.pop("$defs").items() if name not in schemas}
    schemas["ConfigDocument"] = config
    _special(document["paths"])
    return document


def _statuses(route: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    responses.pop("422", None)
    success = SUCCESS.get(route, 200)
    if success != 200:
        responses[str(success)] = responses.pop("200")
    if success == 204:
        responses["204"] = {"description": "Done; no content"}
    bodied = (415,) if route.split(maxsplit=1)[0] in ("POST", "PUT", "PATCH") else ()
    for status in sorted({*COMMON, *bodied, *EXTRA.get(route, ())}):
        if status == 307:
            responses["307"] = {
                "description": "The body is in the payload bucket: a 5-minute presigned link",
                "headers": {"location": {"schema": {"type": "string"}}},
            }
            continue
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }


def _special(paths: dict[str, Any]) -> None:
    """What the resolver cannot know: bodies read raw, answers that are not JSON."""
    body = paths["/messages/{message_id}/body"]["get"]["responses"]["200"]
    body["content"] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    exported = paths["/config"]["get"]["responses"]["200"]
    document = {"$ref": "#/components/schemas/ConfigDocument"}
    exported["content"] = {
        "application/json": {"schema": document},
        "application/yaml": {"schema": document},
    }
    paths["/config"]["put"]["requestBody"] = {
        "description": "The configuration document: JSON, or YAML with content-type "
        "application/yaml",
        "required": True,
        "content": {"application/json": {"schema": document}},
    }
