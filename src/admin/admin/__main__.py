"""`python -m admin` prints the admin API's OpenAPI document (committed as docs/openapi.json)."""

from admin.app import openapi_json

print(openapi_json())
