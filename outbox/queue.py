"""Write emails into the outbox; they are sent after the surrounding transaction commits.

Two kinds of email:

- most are rendered when they are queued, in the recipient's language, and kept whole;
- an email whose template has a *builder* (``at_send_time``) is written without its content
  and built by the worker just before sending, from what it is about. Emails carrying a secret
  (a password-reset link, a customer's private status link) are of this kind, so that no row
  holds a working link: the builder wraps the link in ``Secret``, and the one message it
  builds is rendered twice, with the link for the email that leaves and without it for the
  copy the row keeps. A builder that finds the email no longer applies (the user was
  deactivated, the customer erased) returns None and the email is cancelled. Set-based jobs
  (the timeout sweep) write such emails straight from a query (``queue_at_send_sql``), with no
  Python object per email.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from .models import OutboundEmail
from .rendering import BUILDERS, Message, Rendered, render

log = logging.getLogger(__name__)


def _row(message: Message, now: datetime) -> OutboundEmail:
    at_send = message.template in BUILDERS
    content = Rendered("", "", "") if at_send else render(message)
    about = message.about
    return OutboundEmail(
        dedupe_key=message.dedupe_key,
        template=message.template,
        to_email=message.to_email,
        language=message.language,
        subject=content.subject,
        body_text=content.body_text,
        body_html=content.body_html,
        renders_at_send=at_send,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=about.pk if about is not None else None,
        created_at=now,
        next_attempt_at=now,
    )


def enqueue(messages: Iterable[Message], *, now: datetime | None = None) -> list[int]:
    """Write ``messages`` to the outbox inside the caller's transaction; skip any whose
    dedupe key was queued before. Returns the ids written, which are sent after commit."""
    now = now or timezone.now()
    rows = [_row(message, now) for message in messages]
    if not rows:
        return []
    keys = [row.dedupe_key for row in rows]
    existing = set(OutboundEmail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    fresh = [row for row in rows if row.dedupe_key not in existing]
    # ignore_conflicts covers a concurrent writer of the same key between the read and the insert.
    OutboundEmail.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = list(OutboundEmail.objects.filter(dedupe_key__in=[r.dedupe_key for r in fresh]).values_list("id", flat=True))
    transaction.on_commit(lambda: dispatch(ids))
    return ids


def queue_at_send_sql(
    *, template: str, key: str, about: type[models.Model], recipients: str, parameters: list, now: datetime
) -> None:
    """Write emails built at send time straight from a query, in one INSERT … SELECT.
    ``recipients`` (with its ``parameters``) selects ``id`` (the ``about`` row), ``email`` and
    ``language``; ``key`` is the reason key with ``{id}`` where the id goes, as the Python
    side of the caller writes it too. Rows whose key exists are skipped; the new ones go to
    the workers after commit, as one batch."""
    assert template in BUILDERS, f"{template} has no builder: register one with at_send_time"
    before, marker, after = key.partition("{id}")
    assert marker, "the key must say where the id goes: {id}"
    table = OutboundEmail._meta.db_table
    about_type = ContentType.objects.get_for_model(about)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (dedupe_key, template, to_email, language, subject, body_text, body_html, "  # noqa: S608 - names from models, values as parameters
            "renders_at_send, status, attempts, last_error, next_attempt_at, created_at, sent_at, about_type_id, "
            "about_id) "
            "SELECT %s || CAST(recipient.id AS TEXT) || %s, %s, recipient.email, recipient.language, '', '', '', "
            "%s, %s, 0, '', %s, %s, NULL, %s, recipient.id "
            f"FROM ({recipients}) AS recipient WHERE TRUE "
            "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            [before, after, template, True, OutboundEmail.Status.PENDING, now, now, about_type.pk, *parameters],
        )
        ids = [row[0] for row in cursor.fetchall()]
    transaction.on_commit(lambda: dispatch(ids))


def dispatch(ids: list[int]) -> None:
    """Hand freshly committed emails to the workers: one task for one email, one task (sending
    over one SMTP connection) for a batch. A broker that is down costs nothing but time: the
    periodic drain sends whatever was not handed over."""
    from .tasks import send_email, send_emails

    if not ids:
        return
    try:
        if len(ids) == 1:
            send_email.delay(ids[0])
        else:
            send_emails.delay(ids)
    except Exception:
        log.warning("Broker unavailable; %d emails wait for the outbox drain", len(ids), exc_info=True)
