"""Ingest: store every request first, then queue it or process it inline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from webhook_engine.actions.headers import ANSWER_HEADERS
from webhook_engine.domain.errors import (
    EngineError,
    HeadersTooLargeError,
    PayloadTooLargeError,
)
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import IncomingRequest, Message, Mode, Status, SyncAnswer
from webhook_engine.domain.ports import MessageIntake, Queue
from webhook_engine.observability import logger, metrics
from webhook_engine.pipeline.http_api import error_response, json_response, parse_event

if TYPE_CHECKING:  # the processor is built only for synchronous requests (cold start)
    from webhook_engine.pipeline.processing import Processor

SYNC_HEADER = "flex-sync-webhook"
MESSAGE_ID_HEADER = "flex-message-id"
# Headers and query string together: API Gateway takes 10 KB of request line and headers;
# this bound keeps a message's item far below DynamoDB's 400 KB whatever sits in front.
MAX_HEAD_BYTES = 16_384
# A repeated delivery was handled the first time: the sender gets the success it missed.
_SYNC_STATUS_CODES = {
    Status.SUCCESS: 200,
    Status.DUPLICATE: 200,
    Status.UNMATCHED: 404,
    Status.FAILED: 500,
}


@dataclass(frozen=True)
class Ingest:
    messages: MessageIntake
    queue: Queue
    processor: Callable[[], Processor]
    max_body_bytes: int
    sync_budget: float
    # Whether the configuration answers a URI synchronously (a `sync` provider or function).
    sync_route: Callable[[str], bool]

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        """Answer one webhook request: 202 queued, or the synchronous outcome."""
        try:
            request = parse_event(event)
            self._check_size(request)
        except EngineError as error:
            logger.warning("request refused", error=error.message)
            metrics.add_metric(name="MessagesRejected", unit=MetricUnit.Count, value=1)
            return error_response(error.status, error.code, error.message)
        arrival_ms = int(request.received_at.timestamp() * 1000)  # ids sort by arrival
        message = Message(id=new_id(arrival_ms), **request.model_dump())
        # On every line of this invocation, and so on its one INFO line: "message queued"
        # (async) or, from processing, "submission processed" (sync).
        logger.append_keys(
            message_id=message.id, uri=message.uri, method=message.method, size=len(message.body)
        )
        sync = is_sync(request) or self._sync_route(request.uri)
        mode = Mode.SYNC if sync else Mode.ASYNC
        logger.append_keys(mode=mode.value)
        self.messages.put_message(message, mode)
        metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="BodyBytes", unit=MetricUnit.Bytes, value=len(message.body))
        return self._process_inline(message.id) if sync else self._enqueue(message.id)

    def _sync_route(self, uri: str) -> bool:
        """False when the configuration cannot be read: the message is still stored and queued."""
        try:
            return self.sync_route(uri)
        except Exception:
            logger.exception("configuration unreadable; answering asynchronously")
            return False

    def _check_size(self, request: IncomingRequest) -> None:
        if len(request.body) > self.max_body_bytes:
            raise PayloadTooLargeError(
                f"body of {len(request.body)} bytes is over {self.max_body_bytes} bytes"
            )
        head = len(request.query_string) + sum(len(k) + len(v) for k, v in request.headers.items())
        if head > MAX_HEAD_BYTES:
            raise HeadersTooLargeError(
                f"headers and query string of {head} bytes are over {MAX_HEAD_BYTES} bytes"
            )

    def _queue(self, message_id: str) -> None:
        """Queue submission 1. Stored means accepted: when SQS refuses, the message is left
        to the sweeper, which queues what is unfinished past every retry."""
        try:
            self.queue.send(message_id, 1)
        except Exception:
            logger.exception("message stored but not queued; the sweeper will queue it")
            metrics.add_metric(name="MessagesNotQueued", unit=MetricUnit.Count, value=1)

    def _enqueue(self, message_id: str) -> dict[str, Any]:
        self._queue(message_id)
        logger.info("message queued")
        return json_response(202, {"message_id": message_id})

    def _process_inline(self, message_id: str) -> dict[str, Any]:
        try:
            outcome = self.processor().process(message_id, 1, budget=self.sync_budget, waiting=True)
        except Exception:
            # Stored, not processed: accepted (202), and processed from the queue.
            logger.exception("synchronous processing failed; queued for a retry")
            self._queue(message_id)
            return json_response(202, {"message_id": message_id, "status": Status.RECEIVED.value})
        if outcome and outcome.answer:
            return answer_response(outcome.answer, message_id)
        status = outcome.status if outcome else Status.PROCESSING
        code = _SYNC_STATUS_CODES.get(status, 500)
        return json_response(code, {"message_id": message_id, "status": status.value})


def answer_response(answer: SyncAnswer, message_id: str) -> dict[str, Any]:
    """A script's `respond`, as the proxy integration's response; the message's id is in
    `flex-message-id`, since the body is the script's, and the headers that keep browsers from
    acting on a script's answer are set here too, where every answer leaves."""
    headers = answer.headers | ANSWER_HEADERS | {MESSAGE_ID_HEADER: message_id}
    return {"statusCode": answer.status, "headers": headers, "body": answer.body}


def is_sync(request: IncomingRequest) -> bool:
    """The sender asked for the outcome in the answer (`flex-sync-webhook: true`)."""
    return request.headers.get(SYNC_HEADER, "").strip().lower() == "true"
