"""API keys, created and revoked by a partner's referral admins.

The rules this room keeps: a key is random (256 bits from ``secrets``), shown once and never
stored, only its digest; it acts as a user of its own (``User.is_api_client``) with the role
and the locations it was given, so every rule about what a partner user may see and do holds
for it unchanged; a revoked or expired key, or a key of a deactivated company, is refused;
creating and revoking are recorded in the partner's change log, and every action a key takes
is on the referral's timeline under the key's name.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.tokens import digest_of
from profiles import changelog
from profiles.models import Location, PartnerCompany, User

from .models import ApiKey

PREFIX = "rpk_"
# How often a key's "last used" is written: a CRM polling every second must not write a row
# per request.
LAST_USE_PRECISION = timedelta(minutes=1)


def _record(key: ApiKey, *, by: User, before: dict, after: dict) -> None:
    subject = _("API key: %(name)s") % {"name": key.name}
    changelog.record(key.partner, by=by, subject=subject, before=before, after=after)


def create(
    *,
    by: User,
    name: str,
    role: str,
    locations: Iterable[Location] = (),
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key of ``by``'s company, and the key itself (to show once)."""
    now = now or timezone.now()
    partner: PartnerCompany | None = by.partner
    if partner is None or not by.is_partner_admin:
        raise ValidationError(_("Only a referral admin creates API keys."))
    locations = list(locations)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name.")})
    if any(location.profile.partner_id != partner.pk for location in locations):
        raise ValidationError({"locations": _("Choose locations of your own company.")})
    if role == User.Role.USER and not locations:
        raise ValidationError({"locations": _("A referral user's key needs at least one location.")})
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("Choose an expiry in the future.")})
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic(durable=True):
        client = User(
            username=f"api-key-{prefix}",
            first_name=name[:150],
            partner=partner,
            role=role,
            is_api_client=True,
            email="",
            language=by.language,
            time_zone="UTC",
        )
        client.set_unusable_password()
        client.save()
        if role == User.Role.USER:
            client.locations.set(locations)
        key = ApiKey.objects.create(
            partner=partner,
            name=name,
            prefix=f"{PREFIX}{prefix}",
            digest=digest_of(secret),
            client=client,
            created_by=by,
            created_at=now,
            expires_at=expires_at,
        )
        _record(
            key,
            by=by,
            before={},
            after={
                _("Role"): str(User.Role(role).label),
                _("Locations"): [location.name for location in locations] if role == User.Role.USER else [],
                _("Expires"): expires_at.isoformat() if expires_at else "",
            },
        )
    return key, secret


def revoke(key: ApiKey, *, by: User, now: datetime | None = None) -> ApiKey:
    """End the key at once; its next request is refused."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        key = ApiKey.objects.select_for_update().select_related("client").get(pk=key.pk)
        if key.revoked_at is not None:
            return key
        key.revoked_at, key.revoked_by = now, by
        key.save(update_fields=["revoked_at", "revoked_by"])
        User.objects.filter(pk=key.client_id).update(is_active=False)
        _record(key, by=by, before={_("Status"): _("Active")}, after={_("Status"): _("Revoked")})
    return key


def authenticate(secret: str, *, now: datetime | None = None) -> ApiKey | None:
    """The usable key ``secret`` is, with its identity and company, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    key = ApiKey.objects.select_related("client__partner").filter(digest=digest_of(secret)).first()
    if key is None or not key.is_usable(now) or not key.client.is_active:
        return None
    partner = key.client.partner
    if partner is None or not partner.is_active:
        return None
    return key


def note_use(key: ApiKey, address: str | None, *, now: datetime | None = None) -> None:
    """Remember when and from where the key was last used (at most once a minute)."""
    now = now or timezone.now()
    if key.last_used_at and now - key.last_used_at < LAST_USE_PRECISION and key.last_used_from == address:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_from=address)
    key.last_used_at, key.last_used_from = now, address
