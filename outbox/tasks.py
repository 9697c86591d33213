from celery import shared_task

from . import sending


@shared_task(ignore_result=True)
def send_email(email_id: int) -> str | None:
    """Send one outbox row. Safe to run twice: a sent row is left alone. A failure is recorded
    on the row with its next attempt time, and the drain retries it then."""
    status = sending.deliver(email_id)
    return str(status) if status else None


@shared_task(ignore_result=True)
def send_emails(email_ids: list[int]) -> dict[str, int]:
    """Send a batch of outbox rows over one connection; each row as ``send_email`` would."""
    return sending.deliver_many(email_ids)


@shared_task(ignore_result=True)
def drain_outbox() -> dict[str, int]:
    """Periodic: send whatever is due, including emails whose task never reached a worker."""
    return sending.drain()
