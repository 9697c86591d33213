"""Partner search: which active profiles fit a customer's needs, ranked by fit and then by how
the partner answers referrals (the seed: fast, honest responders are found more often).

Every score is explainable: ``Match.reasons`` says what counted."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Least
from django.utils.translation import gettext as _

from common import wording
from profiles.choices import CompanySize, Industry, SolutionArea
from profiles.models import BusinessProfile, Location
from referrals import tally

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
        reasons.append(_("Mentions %(words)s") % {"words": wording.listing(found)})
    if needs.language and needs.language in profile.languages:
        points += FIT_POINTS["language"]
    return points, reasons


def responsiveness(partner_ids: list[int], needs: Needs | None = None) -> dict[int, Responsiveness]:
    """Each partner's record, from the running tallies (``referrals.tally``): a few rows per
    partner, whatever the number of referrals."""
    records = tally.records(partner_ids, needs.solution_area if needs else "")
    return {partner_id: Responsiveness(**figures) for partner_id, figures in records.items()}


def _has(field: str, value: str) -> Q:
    """A JSON list field holding ``value`` (a code from a fixed vocabulary), on any database."""
    return Q(**{f"{field}__icontains": f'"{value}"'})


def fit_in_sql(needs: Needs):
    """``fit``'s points as an SQL expression, to rank candidates without loading them."""
    points: list = []
    for column, value, key in (
        ("solution_areas", needs.solution_area, "solution_area"),
        ("industries", needs.industry, "industry"),
        ("company_sizes", needs.company_size, "company_size"),
        ("languages", needs.language, "language"),
    ):
        if value:
            points.append(Case(When(_has(column, value), then=Value(FIT_POINTS[key])), default=Value(0)))
    words = [
        Case(
            When(Q(keywords__icontains=word) | Q(headline__icontains=word) | Q(description__icontains=word), then=1),
            default=Value(0),
        )
        for word in needs.words
    ]
    if words:
        points.append(Least(sum(words[1:], words[0]), Value(3)) * FIT_POINTS["keyword"])
    return sum(points[1:], points[0]) if points else Value(0)


def search(needs: Needs, *, limit: int = 50) -> list[Match]:
    """Active profiles someone will hear from, best fit first, then the partner's record.

    Fit is ranked in SQL over every candidate; records are read only for the candidates that
    can still make the first ``limit`` (those at or above the fit of the ``limit``-th); only
    the results are loaded as objects, with their reasons."""
    reachable = Location.objects.reachable().filter(profile=OuterRef("pk"))
    if needs.city:
        reachable = reachable.filter(city__icontains=needs.city)
    candidates = BusinessProfile.objects.filter(Exists(reachable))
    if needs.region:
        candidates = candidates.filter(region=needs.region)
    candidates = candidates.annotate(points=fit_in_sql(needs))
    if needs.asks_for_fit:
        # Listed for what the customer asked for; the language they read only ranks.
        candidates = candidates.alias(asked=fit_in_sql(replace(needs, language=""))).filter(asked__gt=0)
    rows = sorted(candidates.values_list("pk", "partner_id", "partner__name", "points"), key=lambda row: -row[3])
    if len(rows) > limit:
        rows = [row for row in rows if row[3] >= rows[limit - 1][3]]
    records = responsiveness([row[1] for row in rows], needs)
    rows.sort(key=lambda row: (-row[3], -records.get(row[1], Responsiveness()).score, row[2]))
    rows = rows[:limit]
    profiles = (
        BusinessProfile.objects.select_related("partner")
        .prefetch_related(
            Prefetch("locations", queryset=Location.objects.reachable().order_by("name"), to_attr="reachable_locations")
        )
        .in_bulk([row[0] for row in rows])
    )
    return [
        Match(profiles[pk], points, fit(profiles[pk], needs)[1], records.get(partner_id, Responsiveness()))
        for pk, partner_id, _name, points in rows
    ]


@dataclass
class Suggestion:
    """A partner proposed for a request it does not have yet, at the office it would go to."""

    profile: BusinessProfile
    location: Location
    reasons: list[str]

    @property
    def partner(self):
        return self.profile.partner


def suggestions(rfi, *, limit: int = 3) -> list[Suggestion]:
    """The best-matching partners for the same request, leaving out every partner that already
    has it (whatever came of it): what a customer is offered when a partner passes it on. None
    for a request flagged as spam or abuse, or from a sender blocked since."""
    from referrals.rfis import open_to_more_partners

    if not open_to_more_partners(rfi):
        return []
    needs = Needs(
        region=rfi.region,
        solution_area=rfi.solution_area,
        industry=rfi.industry,
        company_size=rfi.company_size,
        language=rfi.customer.language,
    )
    have = set(rfi.referrals.values_list("partner_id", flat=True))
    found = []
    for match in search(needs, limit=limit + len(have)):
        offices = match.profile.reachable_locations  # type: ignore[attr-defined]  # search's prefetch
        if match.profile.partner_id in have or not offices:
            continue
        have.add(match.profile.partner_id)  # one office per partner, of its best-fitting profile
        found.append(Suggestion(match.profile, offices[0], match.reasons))
        if len(found) == limit:
            break
    return found
