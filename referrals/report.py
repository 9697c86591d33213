"""The operator's referral report across partners (Django admin), with a CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common import csv_export
from profiles.choices import Region

from .filters import PeriodFilters
from .insights import PartnerRow, by_partner
from .models import Referral

# column key → (label, sort key)
COLUMNS = {
    "partner": (_("Partner"), lambda row: row.partner.lower()),
    "received": (pgettext_lazy("a count", "Received"), lambda row: row.received),
    "share_within_24h": (_("Answered within 24 hours"), lambda row: row.share_within_24h or 0),
    "median_response": (_("Median response"), lambda row: row.median_response or timedelta.max),
    "win_rate": (_("Win rate"), lambda row: row.win_rate or 0),
    "lapsed": (_("Failed or expired"), lambda row: row.lapsed),
    "lapse_rate": (_("Share failed or expired"), lambda row: row.lapse_rate or 0),
}


class ReportFilters(PeriodFilters):
    region = forms.ChoiceField(label=_("region"), choices=[("", _("All")), *Region.choices], required=False)

    def narrowing(self, data):
        return {"rfi__region": data["region"]} if data["region"] else {}

    def referrals(self):
        return self.apply(Referral.objects.all())


def sorted_rows(rows: list[PartnerRow], order: str) -> list[PartnerRow]:
    key = order.lstrip("-")
    if key not in COLUMNS:
        key, order = "lapse_rate", "-lapse_rate"  # who lets referrals fail or expire most, first
    return sorted(rows, key=COLUMNS[key][1], reverse=order.startswith("-"))


REPORT_COLUMNS = [
    _("Partner"), pgettext_lazy("a count", "Received"), _("Answered within 24 h"), _("Share answered within 24 h"),
    _("Median response (hours)"), _("Won"), _("Lost"), _("Win rate"), _("Failed"), _("Expired"), _("Won value"),
]  # fmt: skip


def csv_rows(rows: list[PartnerRow]) -> Iterator[list]:
    for row in rows:
        yield [
            row.partner,
            row.received,
            row.answered_within_24h,
            "" if row.share_within_24h is None else f"{row.share_within_24h:.3f}",
            "" if row.median_response is None else f"{row.median_response.total_seconds() / 3600:.1f}",
            row.won,
            row.lost,
            "" if row.win_rate is None else f"{row.win_rate:.3f}",
            row.failed,
            row.expired,
            "; ".join(f"{value} {currency}" for currency, value in row.won_by_currency.items()),
        ]


def report_view(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = ReportFilters(request.GET or None)
    order = request.GET.get("o", "-lapse_rate")
    rows = sorted_rows(by_partner(filters.referrals()), order)
    if request.GET.get("format") == "csv":
        return csv_export.download("referral-report.csv", REPORT_COLUMNS, csv_rows(rows))
    query = request.GET.copy()
    query.pop("o", None)
    query.pop("format", None)
    columns = [
        {
            "key": key,
            "label": label,
            "order": f"-{key}" if order != f"-{key}" else key,
            "active": order.lstrip("-") == key,
        }
        for key, (label, _key) in COLUMNS.items()
    ]
    return TemplateResponse(
        request,
        "admin/referrals/report.html",
        {
            **admin.site.each_context(request),
            "title": _("Referral report by partner"),
            "filters": filters,
            "rows": rows,
            "columns": columns,
            "query": query.urlencode(),
        },
    )
