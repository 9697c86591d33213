"""Deliver outbox rows over the configured email backend, exactly once per row where the
database can promise it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from .models import OutboundEmail
from .queue import render_deferred

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """After each failure wait twice as long as after the one before (by default 1, 2, 4 …
    minutes), capped at an hour: a mail server that is down is not hammered, and one that is
    back gets its mail soon."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


def relax_commit() -> None:
    """This transaction's commit returns before PostgreSQL has flushed it to disk. A crash in
    the fraction of a second after could forget that an email went out and send it again, the
    at-least-once the outbox already accepts between the mail server's reply and the commit
    (the Message-ID stays the same); the database itself stays consistent. Saves a disk flush
    per email."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def build_message(email: OutboundEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        headers={"Message-ID": email.message_id, "Content-Language": email.language},
        connection=connection,
    )
    message.attach_alternative(email.body_html, "text/html")
    return message


def deliver(email_id: int, *, now: datetime | None = None, connection=None) -> OutboundEmail.Status | None:
    """Send one pending email. The row stays locked while the mail server is spoken to, so a
    task delivered twice (or the drain running beside it) finds it locked or already sent and
    does nothing. Returns the new status, or None when there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        relax_commit()
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return None
        if not email.rendered and not render_deferred(email):
            email.status, email.last_error = OutboundEmail.Status.FAILED, "No longer applies: not sent."
            email.save(update_fields=["status", "last_error"])
            return OutboundEmail.Status.FAILED
        email.attempts += 1
        try:
            build_message(email, connection).send()
        except Exception as error:
            log.warning("Sending email %s failed (attempt %s): %s", email.pk, email.attempts, error)
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            else:
                email.next_attempt_at = now + backoff(email.attempts)
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = now
            email.last_error = ""
        sent_fields = ["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
        email.save(update_fields=[*sent_fields, "subject", "body_text", "body_html", "rendered"])
        return OutboundEmail.Status(email.status)


def due_ids(now: datetime, limit: int = 200) -> list[int]:
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def deliver_many(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send the given rows over one connection to the mail server."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with get_connection() as connection:
        for email_id in ids:
            status = deliver(email_id, now=now, connection=connection)
            if status == OutboundEmail.Status.SENT:
                counts["sent"] += 1
            elif status == OutboundEmail.Status.FAILED:
                counts["failed"] += 1
            elif status == OutboundEmail.Status.PENDING:
                counts["retry"] += 1
    return counts


def drain(*, now: datetime | None = None, limit: int = 200, most: int = 20_000) -> dict[str, int]:
    """Send every pending email that is due, ``limit`` at a time over one connection, until none
    is left (or ``most`` were tried: the next run goes on)."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    tried: set[int] = set()
    while len(tried) < most:
        ids = [email_id for email_id in due_ids(now, limit + len(tried)) if email_id not in tried][:limit]
        if not ids:
            break
        tried.update(ids)
        for key, value in deliver_many(ids, now=now).items():
            counts[key] += value
    return counts
