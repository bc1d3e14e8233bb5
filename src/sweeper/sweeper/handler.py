"""Sweeper function: on a schedule, queue again what was left unfinished."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from webhook_engine import wiring
from webhook_engine.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    report = wiring.sweeper().sweep(datetime.now(UTC))
    return {"requeued": len(report.requeued), "lost": len(report.lost)}
