"""The partner's insights page: its own referrals only, like every partner page."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django import forms
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from profiles.auth import PartnerRequest, partner_of, partner_required
from profiles.models import Location

from . import caching, insights
from .charts import Bar, BarChart
from .filters import PeriodFilters
from .models import DeclineReason, LostReason, NotInterestedReason, Referral


class LocationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.name} ({obj.city})"


class InsightFilters(PeriodFilters):
    location = LocationChoice(
        label=_("Location"), queryset=Location.objects.none(), required=False, empty_label=_("All locations")
    )

    def __init__(self, *args, partner_id: int, locations: Iterable[int] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, LocationChoice)
        offered = Location.objects.filter(profile__partner_id=partner_id).order_by("name")
        location.queryset = offered if locations is None else offered.filter(pk__in=list(locations))

    def narrowing(self, data):
        return {"location": data["location"]} if data["location"] else {}


def hours(duration: timedelta | None) -> str:
    return "—" if duration is None else f"{duration.total_seconds() / 3600:.1f}"


SHOWN = ("figures", "median_hours", "p90_hours", "funnel", "months", "reasons")


def _chosen(filters: InsightFilters) -> list:
    """The filters as the form reads them, so ?since=&until= and no filters share an entry."""
    if not filters.is_valid():
        return []
    return sorted((name, str(getattr(value, "pk", value))) for name, value in filters.cleaned_data.items())


def _shown(request: PartnerRequest, filters: InsightFilters, key: caching.Key) -> dict:
    """What the page shows of the figures, computed again when something of the partner's changed."""
    figures = cache.get_or_set(
        key.value, lambda: insights.compute(filters.apply(Referral.objects.for_user(request.user))), key.timeout
    )
    assert isinstance(figures, insights.Insights)
    funnel = BarChart(
        str(_("From new to won")),
        [
            Bar(pgettext("a count", "Received"), figures.received, str(figures.received)),
            Bar(str(_("Evaluating")), figures.reached_evaluating, str(figures.reached_evaluating)),
            Bar(str(_("Negotiating")), figures.reached_negotiating, str(figures.reached_negotiating)),
            Bar(str(_("Won")), figures.won, str(figures.won)),
        ],
    )
    months = BarChart(
        str(_("Referrals received by month")),
        [Bar(row["month"].strftime("%Y-%m"), row["received"], str(row["received"])) for row in figures.months],
    )
    reasons = [
        (str(_("Not interested")), [(NotInterestedReason(code).label, n) for code, n in figures.skip_reasons.items()]),
        (str(_("Declined")), [(DeclineReason(code).label, n) for code, n in figures.decline_reasons.items()]),
        (str(_("Lost")), [(LostReason(code).label, n) for code, n in figures.lost_reasons.items()]),
    ]
    return {
        "figures": figures,
        "median_hours": hours(figures.median_response),
        "p90_hours": hours(figures.p90_response),
        "funnel": funnel,
        "months": months,
        "reasons": reasons,
    }


@partner_required
def partner_insights(request: PartnerRequest) -> HttpResponse:
    filters = InsightFilters(
        request.GET or None, partner_id=partner_of(request.user).pk, locations=request.user.location_scope
    )
    key = caching.insights_figures(request.user, filters=_chosen(filters))
    # Read only when the cached fragment under the same key is rendered afresh.
    shown = SimpleLazyObject(lambda: _shown(request, filters, key))
    return render(
        request,
        "insights/partner.html",
        {
            "filters": filters,
            "figures_fragment": key,
            "form_fragment": caching.insights_form(request.user, query=request.GET.urlencode()),
            **{name: SimpleLazyObject(partial(operator.getitem, shown, name)) for name in SHOWN},
        },
    )
