"""The engine's own exceptions; adapters raise them and the admin API maps them once."""

from typing import Any

from webhook_engine.domain.clipping import clip


def describe(error: Any) -> str:
    """One line naming each invalid field of a pydantic ValidationError."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors()
    )


def describe_error(error: BaseException) -> str:
    """`Type: text`, short enough to store with a submission or an answer."""
    return clip(f"{type(error).__name__}: {error}", 500)


class EngineError(Exception):
    """Base class: `code` is the machine-readable error code of the admin API."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(EngineError):
    code = "not_found"
    status = 404


class BodyMissingError(NotFoundError):
    """A stored message's body is no longer where its item says (its retention ran out)."""


class ConflictError(EngineError):
    code = "conflict"
    status = 409


class UnreadableItemError(EngineError):
    """A stored configuration item that cannot be read back: left out of the configuration
    until it is replaced (PUT) or deleted."""

    code = "unreadable"
    status = 409


class InvalidRequestError(EngineError):
    """A request or document the engine refuses (400): the message names the field."""

    code = "invalid_request"
    status = 400


class UpstreamError(EngineError):
    """An AWS service refused or failed a call that the operation depends on (processing
    retries the submission rather than failing it)."""

    code = "upstream_error"
    status = 502


class OutcomeNotWrittenError(UpstreamError):
    """A submission ran, but its record and outcome could not be written: retried, and the
    run counted as one whose outcome is unknown."""


class SubmissionBusyError(EngineError):
    """Another delivery holds the lease on this submission: try again later."""

    code = "busy"
    status = 409


class PayloadTooLargeError(EngineError):
    code = "payload_too_large"
    status = 413


class HeadersTooLargeError(EngineError):
    code = "headers_too_large"
    status = 431
