"""Send webhook deliveries, as the outbox sends emails (``outbox.sending``): claim a delivery
with a compare-and-swap that counts the attempt and moves its next attempt a lease ahead, send
with no transaction or lock held, record the outcome if the claim still stands.

A failed attempt is tried again on ``WEBHOOK_RETRY_SCHEDULE`` (about a day in all), each with
the same ``webhook-id``; after the last, the delivery has failed, its endpoint is disabled and
the partner's referral admins are emailed. A delivery whose endpoint is disabled waits and goes
out when an admin turns the endpoint on again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from . import disabling, payloads, secrets, transport
from .models import Delivery

log = logging.getLogger(__name__)


def _due(now: datetime) -> Q:
    return Q(status=Delivery.Status.PENDING, endpoint__is_active=True) & (Q(attempts=0) | Q(next_attempt_at__lte=now))


def claim(delivery_id: int, now: datetime) -> Delivery | None:
    delivery = Delivery.objects.filter(_due(now), pk=delivery_id).select_related("endpoint", "event__actor").first()
    if delivery is None:
        return None
    lease = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    taken = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=lease, last_attempt_at=now
    )
    if taken != 1:
        return None
    delivery.attempts += 1
    return delivery


def record(delivery: Delivery, **fields) -> bool:
    written = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts
    ).update(**fields)
    if not written:
        log.warning("Webhook delivery %s: the claim expired before its outcome was recorded", delivery.pk)
    return bool(written)


def retry_after(attempts: int) -> timedelta | None:
    """When to try again after ``attempts`` failed attempts, or None: no more tries."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempts > len(schedule):
        return None
    return timedelta(seconds=schedule[attempts - 1])


def deliver(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """One attempt at a due delivery: "delivered", "retry", "failed", or None (nothing to do).
    After "retry", the delivery is due again at its ``next_attempt_at`` (``tasks`` sends it then)."""
    now = now or timezone.now()
    delivery = claim(delivery_id, now)
    if delivery is None:
        return None
    try:
        body = payloads.body(delivery)
        headers = payloads.headers(delivery, body, now)
    except secrets.SecretLost:
        result = transport.Result(None, 0, gettext("The signing secret is lost: make a new secret for this endpoint."))
    else:
        result = transport.post(delivery.endpoint.url, body, headers)
    outcome = {"last_status_code": result.status_code, "last_duration_ms": result.duration_ms}
    if result.ok:
        record(delivery, status=Delivery.Status.DELIVERED, delivered_at=timezone.now(), last_error="", **outcome)
        return "delivered"
    error = result.error or gettext("The server answered %(code)s.") % {"code": result.status_code}
    wait = retry_after(delivery.attempts)
    if wait is not None:
        record(delivery, next_attempt_at=now + wait, last_error=error[:300], **outcome)
        return "retry"
    with transaction.atomic():
        if record(delivery, status=Delivery.Status.FAILED, last_error=error[:300], **outcome):
            disabling.disable(delivery.endpoint, reason=error[:300], now=now)
    return "failed"


def retry_in(delivery_id: int, now: datetime) -> timedelta | None:
    """How long until a delivery waiting for its retry is due, or None if it does not wait."""
    due = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return max(due - now, timedelta(0)) if due is not None else None


def due_ids(now: datetime, limit: int = 500) -> list[int]:
    return list(Delivery.objects.filter(_due(now)).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
