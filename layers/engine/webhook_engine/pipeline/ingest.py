"""Ingest: store every request first, then queue it or process it inline."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine import wiring
from webhook_engine.domain.errors import EngineError, PayloadTooLargeError
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import IncomingRequest, Message, Mode, Status
from webhook_engine.observability import logger, metrics
from webhook_engine.pipeline.http_api import error_response, json_response, parse_event
from webhook_engine.settings import get_settings

SYNC_HEADER = "flex-sync-webhook"
_SYNC_STATUS_CODES = {Status.SUCCESS: 200, Status.UNMATCHED: 404, Status.FAILED: 500}


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """Answer one webhook request (DESIGN section 6)."""
    try:
        request = parse_event(event)
        _check_size(request)
    except EngineError as error:
        logger.warning("request refused", error=error.message)
        metrics.add_metric(name="MessagesRejected", unit=MetricUnit.Count, value=1)
        return error_response(error.status, error.code, error.message)
    message = Message(id=new_id(), **request.model_dump())
    logger.append_keys(message_id=message.id, uri=message.uri)
    sync = request.headers.get(SYNC_HEADER, "").strip().lower() == "true"
    wiring.message_store().put_message(message, Mode.SYNC if sync else Mode.ASYNC)
    metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="BodyBytes", unit=MetricUnit.Bytes, value=len(message.body))
    logger.info("message stored", method=message.method, size=len(message.body), sync=sync)
    return _process_inline(message.id) if sync else _enqueue(message.id)


def _check_size(request: IncomingRequest) -> None:
    limit = get_settings().max_body_bytes
    if len(request.body) > limit:
        raise PayloadTooLargeError(f"body of {len(request.body)} bytes is over {limit} bytes")


def _queue(message_id: str) -> bool:
    """Queue submission 1; False (logged) when SQS refused, so an operator can resubmit."""
    try:
        wiring.queue().send(message_id, 1)
    except Exception:
        logger.exception("message stored but not queued; resubmit it")
        return False
    return True


def _enqueue(message_id: str) -> dict[str, Any]:
    if not _queue(message_id):
        return json_response(503, {"message_id": message_id, "status": Status.RECEIVED.value})
    return json_response(202, {"message_id": message_id})


def _process_inline(message_id: str) -> dict[str, Any]:
    # Imported here: only the synchronous path needs the sandbox (cold start of async ingest).
    from webhook_engine.pipeline.processing import processor

    try:
        outcome = processor().process(message_id, 1, budget=get_settings().sync_budget_seconds)
    except Exception:
        logger.exception("synchronous processing failed; queued for a retry")
        _queue(message_id)
        return json_response(500, {"message_id": message_id, "status": Status.RECEIVED.value})
    status = outcome.status if outcome else Status.PROCESSING
    code = _SYNC_STATUS_CODES.get(status, 500)
    return json_response(code, {"message_id": message_id, "status": status.value})
