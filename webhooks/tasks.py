import logging

from celery import shared_task
from django.utils import timezone

from . import sending

log = logging.getLogger(__name__)


def _attempt(delivery_id: int) -> str | None:
    """One attempt; a failed one is handed back to the broker for when its retry is due (a
    little after: a task that came early would find nothing to do). The drain picks up any
    retry whose task is lost."""
    outcome = sending.deliver(delivery_id)
    if outcome == "retry":
        wait = sending.retry_in(delivery_id, timezone.now())
        if wait is not None:
            try:
                deliver.apply_async((delivery_id,), countdown=wait.total_seconds() + 0.5)
            except Exception:
                log.warning("Broker unavailable; webhook delivery %s waits for the drain", delivery_id, exc_info=True)
    return outcome


@shared_task(ignore_result=True)
def deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery; safe to run twice (a delivered one is left alone)."""
    return _attempt(delivery_id)


@shared_task(ignore_result=True)
def drain() -> dict[str, int]:
    """Periodic: attempt whatever is due, including retries whose task never reached a worker."""
    counts: dict[str, int] = {"delivered": 0, "retry": 0, "failed": 0}
    for delivery_id in sending.due_ids(timezone.now()):
        outcome = _attempt(delivery_id)
        if outcome:
            counts[outcome] += 1
    return counts
