"""What a partner (and the operator) learn from referrals: response speed, the funnel,
outcomes, values by currency, reasons, and the trend by month.

Each figure is computed with a fixed number of queries whatever the number of referrals:
aggregates in the database, and the response-time percentiles from one list of durations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import DeclineReason, LostReason, NotInterestedReason, Referral, State, answered_in_time


@dataclass
class Insights:
    received: int = 0
    answered: int = 0
    answered_within_24h: int = 0
    median_response: timedelta | None = None
    p90_response: timedelta | None = None
    reached_evaluating: int = 0
    reached_negotiating: int = 0
    won: int = 0
    lost: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    pipeline_by_currency: dict[str, Decimal] = field(default_factory=dict)
    won_by_currency: dict[str, Decimal] = field(default_factory=dict)
    decline_reasons: dict[str, int] = field(default_factory=dict)
    skip_reasons: dict[str, int] = field(default_factory=dict)
    lost_reasons: dict[str, int] = field(default_factory=dict)
    months: list[dict] = field(default_factory=list)

    @property
    def share_within_24h(self) -> float | None:
        """Of all referrals received, the share answered within the recommended 24 hours."""
        return self.answered_within_24h / self.received if self.received else None

    @property
    def win_rate(self) -> float | None:
        """Won out of the deals that reached an outcome (won or lost)."""
        closed = self.won + self.lost
        return self.won / closed if closed else None

    @property
    def let_lapse(self) -> int:
        return self.by_state.get(State.FAILED, 0) + self.by_state.get(State.EXPIRED, 0)


def percentile(sorted_values: list[timedelta], fraction: float) -> timedelta:
    """Linear interpolation between the closest ranks (as PostgreSQL's percentile_cont); 0.5 is
    the median."""
    position = (len(sorted_values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def compute(referrals: QuerySet[Referral]) -> Insights:
    """Figures over ``referrals`` (already filtered to a partner, a period, a location, a source)."""
    insights = Insights()
    for name, value in _funnel(referrals).items():
        setattr(insights, name, value)
    _response_times(insights, referrals)
    _outcomes(insights, referrals)
    _values(insights, referrals)
    _reasons(insights, referrals)
    insights.months = _months(referrals)
    return insights


def _funnel(referrals: QuerySet[Referral]) -> dict[str, int]:
    """How many arrived, were answered (in time), reached evaluating and negotiating: one query."""
    return referrals.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=Q(first_response_at__isnull=False)),
        answered_within_24h=Count("pk", filter=answered_in_time()),
        reached_evaluating=Count("pk", filter=Q(evaluating_at__isnull=False)),
        reached_negotiating=Count("pk", filter=Q(accepted_at__isnull=False)),
    )


def _response_times(insights: Insights, referrals: QuerySet[Referral]) -> None:
    """The median and 90th percentile of the first responses."""
    response_time = ExpressionWrapper(F("first_response_at") - F("received_at"), output_field=DurationField())
    durations = sorted(
        referrals.filter(first_response_at__isnull=False)
        .annotate(response=response_time)
        .values_list("response", flat=True)
    )
    if durations:
        insights.median_response = percentile(durations, 0.5)
        insights.p90_response = percentile(durations, 0.9)


def _outcomes(insights: Insights, referrals: QuerySet[Referral]) -> None:
    insights.by_state = dict(referrals.order_by().values_list("state").annotate(n=Count("pk")))
    insights.won = insights.by_state.get(State.WON, 0)
    insights.lost = insights.by_state.get(State.LOST, 0)


def _values(insights: Insights, referrals: QuerySet[Referral]) -> None:
    """The pipeline and what was won, per currency: never added across currencies."""
    insights.pipeline_by_currency = _sum_by_currency(referrals.filter(state=State.NEGOTIATING), "deal_value")
    insights.won_by_currency = _sum_by_currency(referrals.filter(state=State.WON), "final_value")


def _sum_by_currency(referrals: QuerySet[Referral], field: str) -> dict[str, Decimal]:
    return dict(referrals.order_by().values_list("currency").annotate(total=Sum(field)).order_by("currency"))


def _months(referrals: QuerySet[Referral]) -> list[dict[str, Any]]:
    """Per month (in the reader's time zone): received, answered in time, won, lapsed."""
    rows = (
        referrals.annotate(month=TruncMonth("received_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("month")
        .annotate(
            received=Count("pk"),
            answered_within_24h=Count("pk", filter=answered_in_time()),
            won=Count("pk", filter=Q(state=State.WON)),
            lapsed=Count("pk", filter=Q(state__in=[State.FAILED, State.EXPIRED])),
        )
        .order_by("month")
    )
    return [dict(row) for row in rows]


def _reasons(insights: Insights, referrals: QuerySet[Referral]) -> None:
    """Why referrals were declined, skipped or lost: one grouped query for the three lists."""
    rows = (
        referrals.filter(state__in=[State.DECLINED, State.SKIPPED, State.LOST])
        .order_by()
        .values_list("state", "decline_reason", "skip_reason", "lost_reason")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[str, str], int] = {}
    for state, declined, skipped, lost, n in rows:
        code = {State.DECLINED: declined, State.SKIPPED: skipped, State.LOST: lost}[state]
        counts[state, code] = counts.get((state, code), 0) + n

    def listed(state, choices) -> dict[str, int]:
        return {code: counts[state, code] for code in choices.values if counts.get((state, code))}

    insights.decline_reasons = listed(State.DECLINED, DeclineReason)
    insights.skip_reasons = listed(State.SKIPPED, NotInterestedReason)
    insights.lost_reasons = listed(State.LOST, LostReason)


@dataclass
class PartnerRow:
    partner_id: int
    partner: str
    received: int
    answered_within_24h: int
    median_response: timedelta | None
    won: int
    lost: int
    failed: int
    expired: int
    won_by_currency: dict[str, Decimal]

    @property
    def share_within_24h(self) -> float | None:
        return self.answered_within_24h / self.received if self.received else None

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None

    @property
    def lapsed(self) -> int:
        return self.failed + self.expired

    @property
    def lapse_rate(self) -> float | None:
        """Referrals the partner let fail or expire, out of all it received."""
        return self.lapsed / self.received if self.received else None


def by_partner(referrals: QuerySet[Referral]) -> list[PartnerRow]:
    """The operator's view: one row per partner, in three queries whatever the numbers."""
    counts = (
        referrals.order_by()
        .values("partner_id", "partner__name")
        .annotate(
            received=Count("pk"),
            answered_within_24h=Count("pk", filter=answered_in_time()),
            won=Count("pk", filter=Q(state=State.WON)),
            lost=Count("pk", filter=Q(state=State.LOST)),
            failed=Count("pk", filter=Q(state=State.FAILED)),
            expired=Count("pk", filter=Q(state=State.EXPIRED)),
        )
    )
    durations: dict[int, list[timedelta]] = {}
    response_time = ExpressionWrapper(F("first_response_at") - F("received_at"), output_field=DurationField())
    for partner_id, duration in (
        referrals.filter(first_response_at__isnull=False)
        .annotate(response=response_time)
        .values_list("partner_id", "response")
    ):
        durations.setdefault(partner_id, []).append(duration)
    won_values: dict[int, dict[str, Decimal]] = {}
    for partner_id, currency, total in (
        referrals.filter(state=State.WON)
        .order_by()
        .values_list("partner_id", "currency")
        .annotate(total=Sum("final_value"))
        .order_by("partner_id", "currency")
    ):
        won_values.setdefault(partner_id, {})[currency] = total
    return [
        PartnerRow(
            partner_id=row["partner_id"],
            partner=row["partner__name"],
            received=row["received"],
            answered_within_24h=row["answered_within_24h"],
            median_response=percentile(sorted(durations[row["partner_id"]]), 0.5)
            if row["partner_id"] in durations
            else None,
            won=row["won"],
            lost=row["lost"],
            failed=row["failed"],
            expired=row["expired"],
            won_by_currency=won_values.get(row["partner_id"], {}),
        )
        for row in counts
    ]
