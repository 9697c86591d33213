"""Deliver outbox rows over the configured email backend.

No transaction stays open while the mail server is spoken to (healthchecks' ``sendalerts``
does the same with its flips). A sender first *claims* a row with a compare-and-swap that
counts the attempt and moves ``next_attempt_at`` a lease ahead; then it builds and sends the
email with no lock held; then it records the outcome, only if its claim still stands (same
attempt number, still pending). A sender that dies mid-way leaves a claim that expires: the
drain finds the row due again when the lease is over and sends it. Two senders given the same
row (a task delivered twice, the drain beside a task) cannot both claim it.

At least once, not exactly once: a crash between the mail server's reply and the recorded
outcome, or a send that outlasts its lease, can send an email twice; the Message-ID is the
same each time, so a mail server or client can drop the copy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError
from django.db import connection as db_connection
from django.utils import timezone

from .models import OutboundEmail
from .rendering import Rendered, build_at_send

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """After each failure wait twice as long as after the one before (by default 1, 2, 4 …
    minutes), capped at an hour: a mail server that is down is not hammered, and one that is
    back gets its mail soon."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


@contextmanager
def commits_without_flush_wait() -> Iterator[None]:
    """The outbox's own writes (a claim, an outcome) commit without waiting for the disk flush
    (PostgreSQL's ``synchronous_commit`` off for this connection until the block ends): a crash
    in that fraction of a second can only lose a claim or an outcome, so the email is sent
    again, the at-least-once the outbox already accepts. Other writes keep waiting for theirs."""
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with suppress(DatabaseError), db_connection.cursor() as cursor:  # a lost connection takes the setting along
            cursor.execute("RESET synchronous_commit")


def claim(email_id: int, now: datetime) -> OutboundEmail | None:
    """Take the row for one attempt, or None if it is not due or another sender has it. A row
    never tried is due at once (the task sent after commit); a tried one when its retry time,
    or the lease of the sender that last claimed it, is over. One statement tests and takes
    it, so two senders cannot both take a row."""
    table = OutboundEmail._meta.db_table
    taken = OutboundEmail.objects.raw(
        f"UPDATE {table} SET attempts = attempts + 1, next_attempt_at = %s"  # noqa: S608 (our own table)
        " WHERE id = %s AND status = %s AND (attempts = 0 OR next_attempt_at <= %s) RETURNING *",
        [now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS), email_id, OutboundEmail.Status.PENDING, now],
    )
    return next(iter(taken), None)


def record(email: OutboundEmail, **fields) -> bool:
    """Write the outcome of the attempt ``email`` claimed, if the claim still stands."""
    written = OutboundEmail.objects.filter(
        pk=email.pk, status=OutboundEmail.Status.PENDING, attempts=email.attempts
    ).update(**fields)
    if not written:
        log.warning("Email %s: the claim expired before its outcome was recorded", email.pk)
    return bool(written)


def build_message(email: OutboundEmail, content: Rendered, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=content.subject,
        body=content.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        headers={"Message-ID": email.message_id, "Content-Language": email.language},
        connection=connection,
    )
    message.attach_alternative(content.body_html, "text/html")
    return message


def deliver(email_id: int, *, now: datetime | None = None, connection=None) -> OutboundEmail.Status | None:
    """Send one pending email that is due. Returns its new status, or None when there was
    nothing to do (not due, already sent, another sender has it)."""
    with commits_without_flush_wait():
        return _deliver(email_id, now or timezone.now(), connection)


def _deliver(email_id: int, now: datetime, connection) -> OutboundEmail.Status | None:
    email = claim(email_id, now)
    if email is None:
        return None
    kept: dict[str, str] = {}
    content = Rendered(email.subject, email.body_text, email.body_html)
    if email.renders_at_send:
        built = build_at_send(email)
        if built is None:
            record(email, status=OutboundEmail.Status.CANCELLED, last_error="No longer applies: not sent.")
            return OutboundEmail.Status.CANCELLED
        content, copy = built
        kept = {"subject": copy.subject, "body_text": copy.body_text, "body_html": copy.body_html}
    try:
        build_message(email, content, connection).send()
    except Exception as error:
        log.warning("Sending email %s failed (attempt %s): %s", email.pk, email.attempts, error)
        if connection is not None:
            connection.close()  # a connection the server dropped: the next email of the batch opens a new one
        failed = email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        status = OutboundEmail.Status.FAILED if failed else OutboundEmail.Status.PENDING
        record(
            email,
            status=status,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=now + backoff(email.attempts),
        )
        return status
    record(email, status=OutboundEmail.Status.SENT, sent_at=now, last_error="", **kept)
    return OutboundEmail.Status.SENT


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
    with get_connection() as connection, commits_without_flush_wait():
        for email_id in ids:
            status = _deliver(email_id, now, connection)
            if status == OutboundEmail.Status.SENT:
                counts["sent"] += 1
            elif status in (OutboundEmail.Status.FAILED, OutboundEmail.Status.CANCELLED):
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
