"""A partner's business profiles, run by its referral admins in the portal (operators do the
same in Django admin): one profile per region, its locations and their contacts, capacity.

The rules this room keeps: an active profile has a location that can receive referrals
(``Location.objects.receiving()``), checked after the change is written and inside its
transaction, so a change that would break it is rolled back whole; a location's name is unique
in its profile; every change is recorded (``changelog``) with its values before and after; a
change shows in partner search at once (search reads the tables). Each public function is an
entry point with a durable transaction of its own.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import BaseInlineFormSet
from django.utils.translation import gettext as _

from . import changelog
from .models import ACTIVE_PROFILE_NEEDS_CONTACT, BusinessProfile, Contact, Location, PartnerCompany, User


def _values(instance: Any, fields: list[str]) -> dict[str, Any]:
    """``fields`` of ``instance`` by their labels, as the change record shows them."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if field.choices:
            value = dict(field.flatchoices).get(value, value)
        values[str(field.verbose_name).capitalize()] = value
    return values


def _check_rule(profile: BusinessProfile) -> None:
    profile.refresh_from_db(fields=["is_active"])
    if profile.is_active and not profile.has_receiving_location():
        raise ValidationError(ACTIVE_PROFILE_NEEDS_CONTACT)


PROFILE_FIELDS = [
    "headline", "description", "keywords", "solution_areas", "industries", "company_sizes", "languages", "is_active",
]  # fmt: skip


def create_profile(*, by: User, region: str, headline: str) -> BusinessProfile:
    """A new profile for a region, inactive until it has a location someone hears from."""
    partner = by.partner
    assert partner is not None
    with transaction.atomic(durable=True):
        if BusinessProfile.objects.filter(partner=partner, region=region).exists():
            raise ValidationError({"region": _("You have a profile for this region already.")})
        profile = BusinessProfile.objects.create(partner=partner, region=region, headline=headline)
        changelog.record(
            partner,
            by=by,
            subject=_("Business profile: %(region)s") % {"region": profile.get_region_display()},
            before={},
            after=_values(profile, ["headline", "is_active"]),
        )
    return profile


def update_profile(profile: BusinessProfile, *, by: User, **values: Any) -> BusinessProfile:
    """Change what the profile says and whether customers find it."""
    with transaction.atomic(durable=True):
        profile = BusinessProfile.objects.select_for_update().get(pk=profile.pk)
        before = _values(profile, PROFILE_FIELDS)
        for name, value in values.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
        _check_rule(profile)
        changelog.record(
            profile.partner,
            by=by,
            subject=_("Business profile: %(region)s") % {"region": profile.get_region_display()},
            before=before,
            after=_values(profile, PROFILE_FIELDS),
        )
    return profile


LOCATION_FIELDS = [
    "name", "city", "address", "postal_code", "is_active", "paused_until", "monthly_cap", "default_owner",
]  # fmt: skip
CONTACT_FIELDS = ["name", "email", "phone", "language", "receives_referrals"]


def save_location(form: Any, contacts: BaseInlineFormSet, *, by: User) -> Location:
    """Save a location (new or changed) with its contacts, both forms valid, as one change."""
    with transaction.atomic(durable=True):
        location: Location = form.instance
        profile = BusinessProfile.objects.select_for_update().get(pk=location.profile_id)
        adding = location._state.adding
        before = {} if adding else _values(Location.objects.get(pk=location.pk), LOCATION_FIELDS)
        contacts_before = [] if adding else [_contact_line(contact) for contact in location.contacts.all()]
        try:
            with transaction.atomic():
                location = form.save()
        except IntegrityError as taken:
            raise ValidationError({"name": _("This profile has a location with this name already.")}) from taken
        contacts.instance = location
        contacts.save()
        _check_rule(profile)
        partner: PartnerCompany = profile.partner
        changelog.record(
            partner,
            by=by,
            subject=_("Location: %(name)s") % {"name": location.name},
            before={**before, _("Contacts"): contacts_before},
            after={
                **_values(location, LOCATION_FIELDS),
                _("Contacts"): [_contact_line(contact) for contact in location.contacts.all()],
            },
        )
    return location


def _contact_line(contact: Contact) -> str:
    receives = _("receives new-referral emails") if contact.receives_referrals else _("no emails")
    return f"{contact.name} <{contact.email}> ({contact.get_language_display()}, {receives})"
