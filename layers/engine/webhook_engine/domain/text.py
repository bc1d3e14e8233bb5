"""Text that every store can keep: JSON can carry a lone surrogate ("\\ud800"), UTF-8 cannot,
so DynamoDB, SSM and SQS refuse it (boto3 fails to encode it)."""

from __future__ import annotations

from webhook_engine.domain.errors import InvalidRequestError


def require_text(value: object, what: str) -> None:
    """InvalidRequestError naming `what` when a string in `value` (or in its lists and
    mappings, keys included) is not valid Unicode."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidRequestError(f"{what} is not valid Unicode text") from error
    elif isinstance(value, dict):
        for key, item in value.items():
            require_text(key, what)
            require_text(item, what)
    elif isinstance(value, list | tuple):
        for item in value:
            require_text(item, what)
