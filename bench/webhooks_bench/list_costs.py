"""What a page of the admin message list costs, for each filter, when matches are rare.

Twenty-five days of messages, one every 36 minutes (1,000), of which every hundredth is each
kind of rare one: FAILED from the provider Rare (function `rare`, URI `rare/hook`), DEAD, or
UNMATCHED; the rest succeed on GitHub. Each filter's list is read to its end, PAGE at a time,
through the message store the admin API lists with, and every page is metered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from webhook_engine import wiring
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Execution, ExecutionStatus, Message, Mode, Status
from webhook_engine.domain.ports import MessageFilter, MessageListing, MessageStore, Outcome
from webhooks_bench.costs import moto_stack, push_body
from webhooks_bench.meter import metered

MESSAGES = 1_000
SPACING = timedelta(minutes=36)
PAGE = 25
_RARE = {10: Status.FAILED, 40: Status.DEAD, 70: Status.UNMATCHED}  # by number % 100


# The filters that rare messages match: FAILED from the provider Rare, run by the function
# `rare`, sent to `rare/hook`; DEAD; UNMATCHED.
RARE_FILTERS = {
    "status FAILED (index)": MessageFilter(status=Status.FAILED),
    "status DEAD (index)": MessageFilter(status=Status.DEAD),
    "status UNMATCHED": MessageFilter(status=Status.UNMATCHED),
    "provider": MessageFilter(provider="Rare"),
    "function": MessageFilter(function="rare"),
    "uri": MessageFilter(uri="rare/hook"),
}


def filters(now: datetime) -> dict[str, MessageFilter]:
    one_day = MessageFilter(since=now - timedelta(days=20), until=now - timedelta(days=19))
    return {"none": MessageFilter()} | RARE_FILTERS | {"one day, 20 days ago": one_day}


def list_figures() -> dict[str, dict[str, Any]]:
    """For each filter: pages read to the end, matches found, and the most requests and read
    units any one page cost."""
    now = datetime.now(UTC)
    with moto_stack():
        store = wiring.message_store()
        _fill(store, now)
        return {name: _read_all(store, chosen) for name, chosen in filters(now).items()}


def _read_all(store: MessageListing, chosen: MessageFilter) -> dict[str, Any]:
    pages, found, requests, reads = 0, 0, 0, 0.0
    cursor: str | None = None
    while pages == 0 or cursor is not None:
        with metered() as cost:
            page = store.list_messages(chosen, PAGE, cursor)
        pages, found, cursor = pages + 1, found + len(page.items), page.next_cursor
        requests, reads = max(requests, cost.total_requests), max(reads, cost.read_units)
    return {
        "pages": pages,
        "found": found,
        "requests_per_page": requests,
        "read_units_per_page": reads,
    }


def _fill(store: MessageStore, now: datetime) -> None:
    body = push_body()
    for number in range(MESSAGES):
        received = now - (MESSAGES - number) * SPACING
        status = _RARE.get(number % 100, Status.SUCCESS)
        rare = status is Status.FAILED
        message = Message(
            id=new_id(int(received.timestamp() * 1000)),
            request_id=f"r-{number}",
            method="POST",
            uri="rare/hook" if rare else "git/push",
            headers={"content-type": "application/json", "x-github-event": "push"},
            body=body,
            source_ip="192.0.2.1",
            received_at=received,
        )
        store.put_message(message, Mode.ASYNC)
        if status is Status.DEAD:
            store.settle(message.id, 1, status, "ThrottlingException")
        else:
            _finish(store, message.id, status, "Rare" if rare else "GitHub")


def _finish(store: MessageStore, message_id: str, status: Status, provider: str) -> None:
    claim = store.claim_submission(message_id, 1, "bench", 60)
    if claim.submission is None or claim.message is None:
        raise RuntimeError(f"message {message_id} could not be claimed: {claim.refused}")
    ran = [] if status is Status.UNMATCHED else [_execution(provider, status)]
    claim.submission.status = status
    outcome = Outcome(status, None if not ran else provider, None, ran)
    store.finish_submission(claim.message, claim.submission, outcome, "bench")


def _execution(provider: str, status: Status) -> Execution:
    failed = status is Status.FAILED
    return Execution(
        function="rare" if provider == "Rare" else "log",
        function_id=f"f-{provider}",
        status=ExecutionStatus.FAILED if failed else ExecutionStatus.SUCCESS,
        submission=1,
        started_at=datetime.now(UTC),
        duration_ms=1.0,
    )
