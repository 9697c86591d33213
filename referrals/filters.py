"""The period and source filters the partner's insights and the operator's report share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput

from .models import ReferralQuerySet, Source


class PeriodFilters(forms.Form):
    """Referrals received between two days (each end optional) from one source; subclasses add
    what else they narrow by (``narrowing``). An invalid form filters nothing and says why."""

    since = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Received until"), required=False, widget=DateInput())
    source = forms.ChoiceField(label=_("Source"), choices=[("", _("All sources")), *Source.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start of the period must come before its end."))
        return data

    def narrowing(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    def apply(self, referrals: ReferralQuerySet) -> ReferralQuerySet:
        if not self.is_valid():
            return referrals
        data = self.cleaned_data
        referrals = referrals.received_between(data["since"], data["until"])
        if data["source"]:
            referrals = referrals.filter(source=data["source"])
        return referrals.filter(**self.narrowing(data))
