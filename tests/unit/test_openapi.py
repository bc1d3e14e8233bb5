"""The committed OpenAPI document must match the routes."""

from pathlib import Path

from admin.app import openapi_json

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_is_current():
    # Given the document generated from the routes
    generated = openapi_json()

    # When compared with the committed one
    committed = COMMITTED.read_text()

    # Then they are equal (regenerate with `make openapi`)
    assert committed.strip() == generated.strip()
