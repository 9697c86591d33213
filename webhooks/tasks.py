from celery import shared_task

from . import sending


@shared_task(ignore_result=True)
def deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery; safe to run twice (a delivered one is left alone)."""
    return sending.deliver(delivery_id)


@shared_task(ignore_result=True)
def drain() -> dict[str, int]:
    """Periodic: attempt whatever is due, including retries whose task never reached a worker."""
    return sending.drain()
