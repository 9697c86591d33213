"""Partner search: which active profiles fit a customer's needs, ranked by fit and then by how
the partner answers referrals (the seed: fast, honest responders are found more often).

Every score is explainable: ``Match.reasons`` says what counted."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q
from django.utils.translation import gettext as _

from .choices import CompanySize, Industry, SolutionArea
from .models import BusinessProfile, Location

FIT_POINTS = {"solution_area": 3, "industry": 2, "company_size": 2, "keyword": 1, "language": 1}


@dataclass
class Needs:
    region: str = ""
    city: str = ""
    solution_area: str = ""
    industry: str = ""
    company_size: str = ""
    keywords: str = ""
    language: str = ""

    @property
    def words(self) -> list[str]:
        return [word.lower() for word in self.keywords.replace(",", " ").split() if len(word) > 1][:10]

    @property
    def asks_for_fit(self) -> bool:
        return bool(self.solution_area or self.industry or self.company_size or self.words)


@dataclass
class Responsiveness:
    received: int = 0
    answered_within_24h: int = 0
    lapsed: int = 0  # failed or expired
    accepted: int = 0
    similar_received: int = 0  # referrals like the one the customer describes (same solution area)
    similar_accepted: int = 0

    @property
    def speed(self) -> float:
        """Between 0 and 1. A partner with no history starts in the middle (0.5): the share
        answered within 24 hours with one imagined fast and one imagined slow answer added,
        less half the share it let fail or expire."""
        answered = (self.answered_within_24h + 1) / (self.received + 2)
        lapsed = self.lapsed / (self.received + 2)
        return max(0.0, min(1.0, answered - lapsed / 2))

    @property
    def similar_acceptance(self) -> float:
        """How often the partner accepted referrals like this one (0.5 without history)."""
        return (self.similar_accepted + 1) / (self.similar_received + 2)

    @property
    def score(self) -> float:
        """What the partner's record adds after fit: mostly speed, and whether it takes
        deals like this one (the seed: the operator refers similar deals to who accepts them)."""
        return 0.6 * self.speed + 0.4 * self.similar_acceptance


@dataclass
class Match:
    profile: BusinessProfile
    fit: int
    reasons: list[str] = field(default_factory=list)
    responsiveness: Responsiveness = field(default_factory=Responsiveness)

    @property
    def answers_fast(self) -> bool:
        return self.responsiveness.received >= 3 and self.responsiveness.speed >= 0.7

    @property
    def record_reasons(self) -> list[str]:
        """Why the partner's record moves it up or down, in words."""
        record, reasons = self.responsiveness, []
        if record.received:
            reasons.append(
                _("Answered %(share)d%% of %(count)d referrals within 24 hours")
                % {"share": round(100 * record.answered_within_24h / record.received), "count": record.received}
            )
        if record.similar_received:
            reasons.append(
                _("Accepted %(accepted)d of %(count)d similar requests")
                % {"accepted": record.similar_accepted, "count": record.similar_received}
            )
        return reasons


def fit(profile: BusinessProfile, needs: Needs) -> tuple[int, list[str]]:
    points, reasons = 0, []
    if needs.solution_area and needs.solution_area in profile.solution_areas:
        points += FIT_POINTS["solution_area"]
        reasons.append(_("Specialises in %(area)s") % {"area": SolutionArea(needs.solution_area).label})
    if needs.industry and needs.industry in profile.industries:
        points += FIT_POINTS["industry"]
        reasons.append(_("Works with %(industry)s") % {"industry": Industry(needs.industry).label})
    if needs.company_size and needs.company_size in profile.company_sizes:
        points += FIT_POINTS["company_size"]
        reasons.append(_("Serves companies of %(size)s") % {"size": CompanySize(needs.company_size).label})
    text = " ".join([profile.keywords, profile.headline, profile.description]).lower()
    found = [word for word in needs.words if word in text][:3]
    if found:
        points += FIT_POINTS["keyword"] * len(found)
        reasons.append(_("Mentions %(words)s") % {"words": ", ".join(found)})
    if needs.language and needs.language in profile.languages:
        points += FIT_POINTS["language"]
    return points, reasons


def responsiveness(partner_ids: list[int], needs: Needs | None = None) -> dict[int, Responsiveness]:
    """Each partner's record, in one query whatever the number of partners or referrals."""
    from referrals.models import Referral, State

    similar = Q(rfi__solution_area=needs.solution_area) if needs and needs.solution_area else Q(pk__in=[])
    rows = (
        Referral.objects.filter(partner_id__in=partner_ids)
        .order_by()
        .values("partner_id")
        .annotate(
            received=Count("pk"),
            answered_within_24h=Count(
                "pk",
                filter=Q(
                    first_response_at__isnull=False,
                    first_response_at__lte=F("received_at") + settings.REFERRAL_RESPONSE_RECOMMENDED,
                ),
            ),
            lapsed=Count("pk", filter=Q(state__in=[State.FAILED, State.EXPIRED])),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            similar_received=Count("pk", filter=similar & ~Q(state=State.NEW)),
            similar_accepted=Count("pk", filter=similar & Q(accepted_at__isnull=False)),
        )
    )
    return {
        row.pop("partner_id"): Responsiveness(**row)  # type: ignore[arg-type]
        for row in rows
    }


def search(needs: Needs, *, limit: int = 50) -> list[Match]:
    profiles = (
        BusinessProfile.objects.filter(is_active=True, partner__is_active=True)
        .select_related("partner")
        .prefetch_related(
            # Only locations someone will hear from: active, with at least one contact.
            Prefetch(
                "locations",
                queryset=Location.objects.filter(is_active=True)
                .annotate(contact_count=Count("contacts"))
                .filter(contact_count__gt=0)
                .order_by("name"),
                to_attr="reachable_locations",
            )
        )
    )
    if needs.region:
        profiles = profiles.filter(region=needs.region)
    if needs.city:
        profiles = profiles.filter(locations__city__icontains=needs.city, locations__is_active=True).distinct()
    matches = []
    for profile in profiles:
        if not profile.reachable_locations:
            continue
        points, reasons = fit(profile, needs)
        if needs.asks_for_fit and points == 0:
            continue
        matches.append(Match(profile, points, reasons))
    records = responsiveness([match.profile.partner_id for match in matches], needs)
    for match in matches:
        match.responsiveness = records.get(match.profile.partner_id, Responsiveness())
    matches.sort(key=lambda m: (-m.fit, -m.responsiveness.score, m.profile.partner.name))
    return matches[:limit]
