"""A customer's request for information (RFI): sending it to the partner locations chosen (by
the customer on the request form, or by operator staff for marketing and sales), and the
customer's withdrawal.

The rule this room keeps: a request and all its referrals, their events, tallies and emails
are written together or not at all, and only to locations that can receive referrals
(``Location.objects.reachable()``, the one definition). Each public function is an entry
point with a durable transaction of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.queue import enqueue
from outbox.rendering import Message
from profiles.models import Location, User

from . import caching, emails, lifecycle, signals, tally
from .models import (
    ACTIVE_STATES,
    RFI,
    ActorKind,
    BlockedSender,
    Customer,
    EventAction,
    Referral,
    ReferralEvent,
    State,
    may_work_on,
)


@dataclass
class CustomerDetails:
    contact_name: str
    company_name: str
    email: str
    phone: str
    language: str

    @classmethod
    def from_form(cls, data: dict, *, language: str) -> CustomerDetails:
        """From a form's cleaned data (the customer's own form, or the operator's in admin)."""
        return cls(
            contact_name=data["contact_name"],
            company_name=data["company_name"],
            email=data["email"],
            phone=data.get("phone", ""),
            language=language,
        )


def check_locations(locations: Sequence[Location]) -> None:
    """One reachable location per partner, at most ``RFI_MAX_PARTNERS`` of them."""
    if not locations:
        raise ValidationError(_("Choose at least one partner."))
    if len(locations) > settings.RFI_MAX_PARTNERS:
        raise ValidationError(
            _("Choose at most %(count)d partners for one request.") % {"count": settings.RFI_MAX_PARTNERS}
        )
    partners = [location.profile.partner_id for location in locations]
    if len(set(partners)) != len(partners):
        raise ValidationError(_("Choose one location for each partner."))
    reachable = set(Location.objects.reachable().filter(pk__in=[location.pk for location in locations]))
    for location in locations:
        if location not in reachable:
            raise ValidationError(
                _("%(partner)s no longer takes requests at %(location)s. Choose another location or partner.")
                % {"partner": location.profile.partner.name, "location": location.name}
            )


def _refer(rfi: RFI, locations: list[Location], *, by: User | None, now: datetime) -> list[Referral]:
    referrals = [
        Referral(rfi=rfi, partner=location.profile.partner, location=location, source=rfi.source, received_at=now)
        for location in locations
    ]
    for referral in referrals:
        # The location's default owner, if they still see its referrals.
        owner = referral.location.default_owner
        if owner is not None and owner.is_active and may_work_on(referral, owner):
            referral.owner = owner
        referral.save()
    tally.add(referrals)
    caching.changed(referral.partner_id for referral in referrals)
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            action=EventAction.RECEIVED,
            from_state="",
            to_state=State.NEW,
            actor=by,
            actor_kind=ActorKind.OPERATOR if by is not None else ActorKind.CUSTOMER,
            details={"owner": referral.owner.get_username()} if referral.owner else {},
            created_at=now,
        )
        for referral in referrals
    )
    signals.recorded.send(Referral, referral_ids=[referral.pk for referral in referrals], created=True)
    messages: list[Message] = []
    for referral in referrals:
        messages += emails.new_referral(referral)
    enqueue(messages, now=now)
    return referrals


def refer(
    rfi: RFI, locations: Sequence[Location], *, by: User | None = None, now: datetime | None = None
) -> list[Referral]:
    """Send an existing ``rfi`` to each of ``locations``: one referral per location, its
    contacts emailed. A partner never learns who else received the same RFI."""
    now = now or timezone.now()
    locations = list(locations)
    check_locations(locations)
    with transaction.atomic(durable=True):
        return _refer(rfi, locations, by=by, now=now)


def submit_rfi(
    customer: CustomerDetails,
    locations: Iterable[Location],
    *,
    now: datetime | None = None,
    by: User | None = None,
    **rfi_fields,
) -> RFI:
    """A customer's RFI to one or several partner locations (source ``search`` unless the
    operator enters it for marketing or sales), with the confirmation email and status link."""
    now = now or timezone.now()
    locations = list(locations)
    check_locations(locations)
    with transaction.atomic(durable=True):
        # The form's address is whatever the sender typed: a few confirmations a day reach it,
        # however many requests name it (the requests themselves still go through).
        confirmed_lately = RFI.objects.filter(
            customer__email__iexact=customer.email, created_at__gt=now - timedelta(days=1)
        ).count()
        person = Customer.objects.create(**customer.__dict__)
        earlier = earlier_request(customer.email, rfi_fields.get("solution_area", ""), now=now)
        rfi = RFI(customer=person, created_at=now, created_by=by, duplicate_of=earlier, **rfi_fields)
        rfi.full_clean()
        rfi.save()
        _refer(rfi, locations, by=by, now=now)
        if confirmed_lately < settings.RFI_CONFIRMATIONS_PER_ADDRESS:
            enqueue(emails.rfi_received(rfi), now=now)
    return rfi


def earlier_request(email: str, solution_area: str, *, now: datetime) -> RFI | None:
    """The same customer's request of the last ``RFI_DUPLICATE_DAYS``: from the same address,
    or from the same company domain (not a free mail service) for the same solution area. The
    first of a chain: every later request links to it."""
    email = email.strip()
    domain = email.rpartition("@")[2].lower()
    same = Q(customer__email__iexact=email)
    if domain and domain not in settings.FREEMAIL_DOMAINS:
        same |= Q(customer__email__iendswith=f"@{domain}", solution_area=solution_area)
    found = (
        RFI.objects.filter(same, created_at__gte=now - timedelta(days=settings.RFI_DUPLICATE_DAYS))
        .order_by("-created_at")
        .values_list("pk", "duplicate_of")
        .first()
    )
    if found is None:
        return None
    return RFI.objects.get(pk=found[1] or found[0])


def open_to_more_partners(rfi: RFI) -> bool:
    """Whether the request may go to more partners: not flagged as spam or abuse, and its sender
    not blocked meanwhile."""
    return rfi.flagged_at is None and not BlockedSender.blocks(rfi.customer.email)


def send_to_another(rfi: RFI, location: Location, *, now: datetime | None = None) -> Referral:
    """The customer sends the same request to one more partner (one proposed to them, or found
    in search): a new referral of the same request, with the same consent, while fewer than
    ``RFI_MAX_PARTNERS`` partners have it open."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = RFI.objects.select_for_update(of=("self",)).select_related("customer").get(pk=rfi.pk)
        if locked.customer.erased_at is not None or not open_to_more_partners(locked):
            raise ValidationError(_("This request can no longer be sent."))
        states = dict(locked.referrals.values_list("partner_id", "state"))
        if withdrawn(locked):
            raise ValidationError(_("You withdrew this request. Send a new one from partner search."))
        if location.profile.partner_id in states:
            raise ValidationError(
                _("%(partner)s already has this request.") % {"partner": location.profile.partner.name}
            )
        if sum(state in ACTIVE_STATES for state in states.values()) >= settings.RFI_MAX_PARTNERS:
            raise ValidationError(
                _("%(count)d partners are working on this request already: wait for one to answer.")
                % {"count": settings.RFI_MAX_PARTNERS}
            )
        check_locations([location])
        [referral] = _refer(locked, [location], by=None, now=now)
    return referral


def withdrawn(rfi: RFI) -> bool:
    """Whether the customer withdrew the request (an operator's disconnection is not that)."""
    return ReferralEvent.objects.filter(
        referral__rfi=rfi, action=EventAction.DISCONNECT, actor_kind=ActorKind.CUSTOMER
    ).exists()


def withdraw_rfi(rfi: RFI, *, now: datetime | None = None) -> list[Referral]:
    """The customer withdraws: every referral of the RFI still active becomes disconnected.
    Archived ones keep their outcome. All or nothing."""
    now = now or timezone.now()
    changed = []
    with transaction.atomic(durable=True):
        for referral in rfi.referrals.active().order_by("pk"):
            try:
                changed.append(lifecycle.apply(referral, "disconnect", by=None, now=now, actor_kind=ActorKind.CUSTOMER))
            except lifecycle.ReferralConflict:
                continue  # archived meanwhile (a sweep, a partner): its outcome stands
        if changed:
            enqueue(emails.withdrawn(rfi), now=now)  # the customer's confirmation
    return changed
