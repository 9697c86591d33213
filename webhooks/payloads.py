"""What a delivery carries, built when it is sent: the referral as the API shows it to the
partner, and the timeline entry that caused the event; signed per Standard Webhooks."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api.serializers import EventSerializer, ReferralSerializer
from referrals.models import Referral

from . import secrets
from .models import Delivery, Endpoint


def body(delivery: Delivery) -> bytes:
    data: dict = {}
    if delivery.referral_id is not None:
        referral = Referral.objects.select_related("rfi__customer", "location", "owner").get(pk=delivery.referral_id)
        data["referral"] = ReferralSerializer(referral).data
    if delivery.event is not None:
        data["event"] = EventSerializer(delivery.event).data
    if delivery.event_type == "ping":
        data["endpoint"] = delivery.endpoint.url
    message = {"type": delivery.event_type, "timestamp": delivery.created_at.isoformat(), "data": data}
    return json.dumps(message, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def signing_secrets(endpoint: Endpoint, now: datetime) -> list[bytes]:
    """The current secret, and the previous one while it still signs."""
    keys = [secrets.secret_for(endpoint.secret_salt, endpoint.secret_digest)]
    if endpoint.previous_secret_salt and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        with contextlib.suppress(secrets.SecretLost):  # made under a key the portal no longer has
            keys.append(secrets.secret_for(endpoint.previous_secret_salt, endpoint.previous_secret_digest))
    return keys


def headers(delivery: Delivery, payload: bytes, now: datetime | None = None) -> dict[str, str]:
    now = now or timezone.now()
    text = payload.decode()
    signatures = [
        Webhook(secret).sign(msg_id=delivery.message_id, timestamp=now, data=text)
        for secret in signing_secrets(delivery.endpoint, now)
    ]
    return {
        "content-type": "application/json",
        "user-agent": "ReferralsPortal-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
