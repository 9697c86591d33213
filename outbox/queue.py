"""Write emails into the outbox; they are sent after the surrounding transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail

log = logging.getLogger(__name__)


@dataclass
class Message:
    """An email to write: ``templates/emails/<template>_{subject.txt,body.txt,body.html}``."""

    dedupe_key: str
    template: str
    to_email: str
    language: str
    context: dict[str, Any] = field(default_factory=dict)
    referral_id: int | None = None


def render(message: Message, now: datetime) -> OutboundEmail:
    with translation.override(message.language):
        context = {**message.context, "language": message.language}
        subject = render_to_string(f"emails/{message.template}_subject.txt", context)
        body_text = render_to_string(f"emails/{message.template}_body.txt", context)
        body_html = render_to_string(f"emails/{message.template}_body.html", context)
    return OutboundEmail(
        dedupe_key=message.dedupe_key,
        template=message.template,
        to_email=message.to_email,
        language=message.language,
        subject=" ".join(subject.split())[:300],
        body_text=body_text.strip() + "\n",
        body_html=body_html,
        referral_id=message.referral_id,
        created_at=now,
        next_attempt_at=now,
    )


def enqueue(messages: Iterable[Message], *, now: datetime | None = None) -> list[int]:
    """Write ``messages`` to the outbox inside the caller's transaction; skip any whose
    dedupe key was queued before. Returns the ids written, which are sent after commit."""
    now = now or timezone.now()
    rows = [render(message, now) for message in messages]
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


# template → a function that rebuilds the Message of an unrendered row (None if it no longer applies)
DEFERRED_BUILDERS: dict[str, Callable[[OutboundEmail], Message | None]] = {}


def register_deferred(template: str):
    def register(builder: Callable[[OutboundEmail], Message | None]):
        DEFERRED_BUILDERS[template] = builder
        return builder

    return register


def queue_unrendered_sql(*, template: str, key: str, recipients: str, parameters: list, now: datetime) -> None:
    """Write unrendered emails straight from a query, in one INSERT … SELECT: ``recipients``
    (with its ``parameters``) selects ``id`` (the referral), ``email`` and ``language``; the
    reason key is ``referral:<id>`` + ``key`` (an SQL string literal). Rows
    whose key exists are skipped; the new ones go to the workers after commit, as one batch."""
    assert template in DEFERRED_BUILDERS, template
    table = OutboundEmail._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (dedupe_key, template, to_email, language, subject, body_text, body_html, rendered, "  # noqa: S608 - names from models, values as parameters
            "status, attempts, last_error, next_attempt_at, created_at, sent_at, referral_id) "
            f"SELECT 'referral:' || CAST(recipient.id AS TEXT) || {key}, %s, recipient.email, recipient.language, "
            "'', '', '', %s, %s, 0, '', %s, %s, NULL, recipient.id "
            f"FROM ({recipients}) AS recipient WHERE TRUE "
            "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            [template, False, OutboundEmail.Status.PENDING, now, now, *parameters],
        )
        ids = [row[0] for row in cursor.fetchall()]
    transaction.on_commit(lambda: dispatch(ids))


def render_deferred(email: OutboundEmail) -> bool:
    """Fill an unrendered row's subject and bodies; False if its reason no longer applies."""
    message = DEFERRED_BUILDERS[email.template](email)
    if message is None:
        return False
    rendered = render(message, email.created_at)
    email.subject, email.body_text, email.body_html = rendered.subject, rendered.body_text, rendered.body_html
    email.rendered = True
    return True


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
