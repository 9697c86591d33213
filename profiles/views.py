"""Public pages: partner search and a partner's profile."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import matching
from .choices import CompanySize, Industry, Region, SolutionArea
from .models import BusinessProfile


def _choices(choices, empty):
    return [("", empty), *choices]


class SearchForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), choices=_choices(Region.choices, _("Any region")), required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    solution_area = forms.ChoiceField(
        label=_("Solution area"), choices=_choices(SolutionArea.choices, _("Any solution area")), required=False
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=_choices(Industry.choices, _("Any industry")), required=False
    )
    company_size = forms.ChoiceField(
        label=_("Company size"), choices=_choices(CompanySize.choices, _("Any size")), required=False
    )
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)

    def needs(self) -> matching.Needs:
        data = self.cleaned_data if self.is_valid() else {}
        return matching.Needs(language=get_language()[:2], **{name: data.get(name) or "" for name in self.fields})


def partner_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    matches = matching.search(form.needs()) if request.GET else []
    return render(request, "profiles/search.html", {"form": form, "matches": matches, "searched": bool(request.GET)})


def partner_profile(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(
        BusinessProfile.objects.filter(is_active=True, partner__is_active=True).select_related("partner"), pk=pk
    )
    locations = profile.locations.reachable().order_by("name")
    record = matching.responsiveness([profile.partner_id]).get(profile.partner_id, matching.Responsiveness())
    return render(
        request,
        "profiles/profile.html",
        {"profile": profile, "locations": locations, "match": matching.Match(profile, 0, [], record)},
    )
