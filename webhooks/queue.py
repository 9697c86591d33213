"""Deliveries are written in the transaction of the change they announce
(``referrals.signals.recorded``), and handed to the workers after it commits."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.dispatch import receiver

from referrals.models import Referral, ReferralEvent
from referrals.signals import recorded

from .models import Delivery, Endpoint, EventType

log = logging.getLogger(__name__)


@receiver(recorded)
def queue_deliveries(sender, *, referral_ids: list[int], created: bool, **kwargs) -> None:
    """One delivery per subscribed endpoint of each referral's partner; one query when no
    partner of these referrals has an endpoint."""
    event_type = EventType.REFERRAL_CREATED if created else EventType.REFERRAL_UPDATED
    endpoints: dict[int, list[Endpoint]] = {}
    for endpoint in Endpoint.objects.filter(
        is_active=True, partner__referrals__id__in=referral_ids, events__icontains=f'"{event_type.value}"'
    ).distinct():
        if event_type in endpoint.events:  # the lookup reads the JSON as text: check again
            endpoints.setdefault(endpoint.partner_id, []).append(endpoint)
    if not endpoints:
        return
    latest = ReferralEvent.objects.filter(referral=OuterRef("pk")).order_by("-id").values("id")[:1]
    rows = Referral.objects.filter(pk__in=referral_ids, partner_id__in=endpoints).annotate(event_id=Subquery(latest))
    deliveries = [
        Delivery(endpoint=endpoint, event_type=event_type, referral_id=referral_id, event_id=event_id)
        for referral_id, partner_id, event_id in rows.values_list("pk", "partner_id", "event_id")
        for endpoint in endpoints[partner_id]
    ]
    created_rows = Delivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created_rows]
    transaction.on_commit(lambda: dispatch(ids))


def dispatch(ids: list[int]) -> None:
    """Hand committed deliveries to the workers; if the broker is down, the drain sends them."""
    from .tasks import deliver, drain

    if not ids:
        return
    try:
        if len(ids) <= 20:
            for delivery_id in ids:
                deliver.delay(delivery_id)
        else:
            drain.delay()
    except Exception:
        log.warning("Broker unavailable; %d webhook deliveries wait for the drain", len(ids), exc_info=True)
