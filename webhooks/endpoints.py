"""A partner's webhook endpoints, run by its referral admins.

The rules this room keeps: an endpoint's URL passes ``transport.check_url`` when it is saved
(and again at every send); its secret is shown once, when made (``secrets``); a new secret
leaves the previous one signing for ``PREVIOUS_SECRET_HOURS`` hours so that receivers can
switch; every change is recorded in the partner's change log; an endpoint disabled after a
delivery failed for a day emails the partner's referral admins, in their language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from profiles import changelog
from profiles.models import User

from . import secrets, transport
from .models import SUBSCRIBABLE, Delivery, Endpoint, EventType
from .queue import dispatch

PREVIOUS_SECRET_HOURS = 24


def _subject(endpoint: Endpoint) -> str:
    return _("Webhook: %(url)s") % {"url": endpoint.url}


def _check(url: str, events: Iterable[str]) -> list[str]:
    try:
        transport.check_url(url)
    except transport.Refused as refused:
        raise ValidationError({"url": str(refused)}) from refused
    events = [event for event in SUBSCRIBABLE if event in set(events)]
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    return [str(event) for event in events]


def create(*, by: User, url: str, events: Iterable[str], description: str = "") -> tuple[Endpoint, str]:
    """A new endpoint of ``by``'s company, and its secret (to show once)."""
    chosen = _check(url, events)
    if by.partner is None or not by.is_partner_admin:
        raise ValidationError(_("Only a referral admin adds webhook endpoints."))
    salt = secrets.new_salt()
    secret, digest = secrets.make(salt)
    with transaction.atomic(durable=True):
        endpoint = Endpoint.objects.create(
            partner=by.partner, url=url, events=chosen, description=description, secret_salt=salt,
            secret_digest=digest, created_by=by,
        )  # fmt: skip
        changelog.record(endpoint.partner, by=by, subject=_subject(endpoint), before={},
                         after={_("URL"): url, _("Events"): chosen})  # fmt: skip
    return endpoint, secrets.shown(secret)


def update(
    endpoint: Endpoint, *, by: User, url: str, events: Iterable[str], description: str, is_active: bool
) -> Endpoint:
    chosen = _check(url, events)
    with transaction.atomic(durable=True):
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = {_("URL"): endpoint.url, _("Events"): endpoint.events, _("Active"): endpoint.is_active}
        endpoint.url, endpoint.events, endpoint.description = url, chosen, description
        if is_active and not endpoint.is_active:
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.is_active = is_active
        endpoint.save()
        changelog.record(endpoint.partner, by=by, subject=_subject(endpoint), before=before,
                         after={_("URL"): url, _("Events"): chosen, _("Active"): is_active})  # fmt: skip
        if is_active:  # deliveries still pending (their retries were held) go out now
            waiting = endpoint.deliveries.filter(status=Delivery.Status.PENDING).values_list("pk", flat=True)
            _dispatch_after_commit(list(waiting[:20]))
    return endpoint


def new_secret(endpoint: Endpoint, *, by: User, now: datetime | None = None) -> str:
    """A new secret; the previous one signs too for a day."""
    now = now or timezone.now()
    salt = secrets.new_salt()
    secret, digest = secrets.make(salt)
    with transaction.atomic(durable=True):
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret_salt, endpoint.previous_secret_digest = endpoint.secret_salt, endpoint.secret_digest
        endpoint.previous_secret_until = now + timedelta(hours=PREVIOUS_SECRET_HOURS)
        endpoint.secret_salt, endpoint.secret_digest = salt, digest
        endpoint.save()
        changelog.record(endpoint.partner, by=by, subject=_subject(endpoint), before={_("Secret"): _("previous")},
                         after={_("Secret"): _("new (the previous one signs too for 24 hours)")})  # fmt: skip
    return secrets.shown(secret)


def delete(endpoint: Endpoint, *, by: User) -> None:
    with transaction.atomic(durable=True):
        changelog.record(endpoint.partner, by=by, subject=_subject(endpoint), before={_("URL"): endpoint.url},
                         after={_("URL"): _("deleted")})  # fmt: skip
        endpoint.delete()


def ping(endpoint: Endpoint, *, by: User) -> Delivery:
    """A test event to the endpoint, through the same delivery as every other."""
    with transaction.atomic(durable=True):
        delivery = Delivery.objects.create(endpoint=endpoint, event_type=EventType.PING)
        _dispatch_after_commit([delivery.pk])
    return delivery


def send_again(delivery: Delivery, *, by: User, now: datetime | None = None) -> Delivery:
    """Queue a failed or delivered delivery again, with the same webhook-id and a fresh count."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, last_error=""
        )
        _dispatch_after_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def _dispatch_after_commit(ids: list[int]) -> None:
    transaction.on_commit(lambda: dispatch(ids))
