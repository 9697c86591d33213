"""Write emails into the outbox; they are sent after the surrounding transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
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


def dispatch(ids: list[int]) -> None:
    """Hand freshly committed emails to the workers. A broker that is down costs nothing but
    time: the periodic drain sends whatever was not handed over."""
    from .tasks import send_email

    for email_id in ids:
        try:
            send_email.delay(email_id)
        except Exception:
            log.warning("Broker unavailable; email %s waits for the outbox drain", email_id, exc_info=True)
            return
