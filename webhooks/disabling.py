"""An endpoint that keeps failing is disabled, and the partner's referral admins are told."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from outbox.queue import enqueue
from outbox.rendering import Message
from profiles.models import User

from .models import Endpoint


def disable(endpoint: Endpoint, *, reason: str, now: datetime) -> bool:
    """Disable an endpoint that keeps failing and email the partner's referral admins, once."""
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason
        )
        if not changed:
            return False
        admins = User.objects.people().filter(partner_id=endpoint.partner_id, role=User.Role.ADMIN, is_active=True)
        url = settings.SITE_URL + reverse("webhooks:endpoint", args=[endpoint.pk])
        enqueue(
            [
                Message(
                    dedupe_key=f"webhook:{endpoint.pk}:disabled:{now.timestamp()}:{admin.pk}",
                    template="webhook_disabled",
                    to_email=admin.email,
                    language=admin.language,
                    context={"endpoint_url": endpoint.url, "reason": reason, "page_url": url, "admin": admin},
                    about=endpoint,
                )
                for admin in admins
                if admin.email
            ],
            now=now,
        )
    return True
