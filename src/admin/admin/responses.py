"""Responses whose status is not 200."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

JSON = "application/json"


def created[M: BaseModel](model: M) -> Response[M]:
    return Response(status_code=201, content_type=JSON, body=model)


def accepted[M: BaseModel](model: M) -> Response[M]:
    return Response(status_code=202, content_type=JSON, body=model)


def no_content() -> Response[None]:
    return Response(status_code=204, content_type=JSON, body=None)
