"""Tips on the dashboard, from the partner's own figures, as the seed gives them: check each
location's contacts, keep the profile to what you take, answer fast, report outcomes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from profiles.auth import partner_of
from profiles.choices import SolutionArea
from profiles.models import BusinessProfile, Location, User

from . import caching
from .models import Referral, State, answered_in_time


def cached_for(user: User, now: datetime) -> list[str]:
    """``for_partner``, computed again when something of the partner's changes, or the day or
    the language does."""
    key = caching.tips(user, day=timezone.localdate(now))
    partner = partner_of(user)
    return cache.get_or_set(key.value, lambda: for_partner(partner.pk, now, user.location_scope), key.timeout) or []


def for_partner(partner_id: int, now: datetime, locations: Iterable[int] | None = None) -> list[str]:
    """The seed's advice, where the partner's own figures call for it, most pressing first; for
    a referral user, from their ``locations`` only."""
    referrals = Referral.objects.filter(partner_id=partner_id)
    places = Location.objects.filter(profile__partner_id=partner_id)
    if locations is not None:
        referrals, places = referrals.filter(location_id__in=list(locations)), places.filter(pk__in=list(locations))
    recent = referrals.filter(received_at__gte=now - timedelta(days=90))
    return [
        *_contacts_missing(places),
        *_answer_faster(recent),
        *_specialty_turned_down(partner_id, recent),
        *_outcomes_to_report(referrals, now),
    ]


def _contacts_missing(places: QuerySet[Location]) -> list[str]:
    """Check the contacts of every location: nobody hears of a location's referrals without one."""
    silent = places.filter(profile__is_active=True, is_active=True).exclude(pk__in=Location.objects.receiving())
    return [
        _("Add a contact to %(location)s: nobody there receives the new-referral emails.") % {"location": location.name}
        for location in silent.order_by("name")[:3]
    ]


def _answer_faster(recent: QuerySet[Referral]) -> list[str]:
    """Answer within 24 hours, when the last 90 days fell short of four in five."""
    figures = recent.aggregate(received=Count("pk"), in_time=Count("pk", filter=answered_in_time()))
    if figures["received"] < 3 or figures["in_time"] / figures["received"] >= 0.8:
        return []
    return [
        _(
            "Answer within 24 hours: in the last 90 days you answered %(share)d%% of referrals in time. "
            "Fast answers rank you higher in partner search."
        )
        % {"share": round(100 * figures["in_time"] / figures["received"])}
    ]


def _specialty_turned_down(partner_id: int, recent: QuerySet[Referral]) -> list[str]:
    """Keep the profile to what you take: a specialty you keep turning down brings the wrong referrals."""
    offered = set()
    for profile in BusinessProfile.objects.filter(partner_id=partner_id, is_active=True):
        offered.update(profile.solution_areas)
    turned_down = (
        recent.filter(state__in=[State.SKIPPED, State.DECLINED])
        .values_list("rfi__solution_area")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    for area, count in turned_down:
        if area in offered and count >= 3:
            return [
                ngettext(
                    "You turned down %(count)d referral about %(area)s: if you do not want them, remove it from "
                    "your profile's specialties.",
                    "You turned down %(count)d referrals about %(area)s: if you do not want them, remove it from "
                    "your profile's specialties.",
                    count,
                )
                % {"count": count, "area": SolutionArea(area).label}
            ]
    return []


def _outcomes_to_report(referrals: QuerySet[Referral], now: datetime) -> list[str]:
    """Report outcomes: deals whose estimated close date has passed."""
    overdue = referrals.filter(state=State.NEGOTIATING, close_date__lt=now.date()).count()
    if not overdue:
        return []
    return [
        ngettext(
            "Report the outcome of %(count)d referral whose estimated close date has passed: won or lost.",
            "Report the outcome of %(count)d referrals whose estimated close date has passed: won or lost.",
            overdue,
        )
        % {"count": overdue}
    ]
