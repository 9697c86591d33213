"""What customers fill in: the partner search, and the request for information sent to the
partner locations they chose."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common import money
from profiles.choices import CompanySize, Industry, Region, SolutionArea
from profiles.models import Location, phone_validator
from referrals import rfis
from referrals.models import BudgetRange, Timeline

from . import matching


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


def reachable_locations():
    return Location.objects.reachable().select_related("profile__partner")


class RFIForm(forms.Form):
    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Choose at least one partner.")},
    )
    need = forms.CharField(
        label=_("What do you need?"),
        min_length=10,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe the project: goals, systems involved, constraints."),
        error_messages={"min_length": _("Describe your need in at least 10 characters.")},
    )
    # Each starts at "Choose…" unless the search said it: a search for any size must not
    # become "1–49 employees" because the browser shows the first option.
    solution_area = forms.ChoiceField(label=_("Solution area"), choices=_choices(SolutionArea.choices, _("Choose…")))
    industry = forms.ChoiceField(label=_("Industry"), choices=_choices(Industry.choices, _("Choose…")))
    company_size = forms.ChoiceField(label=_("Company size"), choices=_choices(CompanySize.choices, _("Choose…")))
    region = forms.ChoiceField(label=_("Region"), choices=_choices(Region.choices, _("Choose…")))
    budget_range = forms.ChoiceField(label=_("Budget range"), choices=BudgetRange.choices, initial=BudgetRange.UNKNOWN)
    # The bands are offered in the currency of the customer's language; the form carries which,
    # so the partner sees the band as the customer saw it.
    budget_currency = forms.CharField(widget=forms.HiddenInput, required=False, max_length=3)
    timeline = forms.ChoiceField(label=_("Timeline"), choices=Timeline.choices, initial=Timeline.QUARTER)
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    company_name = forms.CharField(label=_("Company"), max_length=200)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False, validators=[phone_validator])
    consent = forms.BooleanField(
        label=_("I agree that the partners I chose see my name, company, email and phone to contact me."),
        error_messages={"required": _("The partners can only answer if they may contact you: please agree.")},
    )
    # A field people never see (hidden by CSS, labelled for screen readers): bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        currency = self.data.get("budget_currency") if self.is_bound else None
        if currency not in money.BUDGET_LIMITS:
            currency = money.budget_currency()
        self.initial["budget_currency"] = currency
        budget = self.fields["budget_range"]
        assert isinstance(budget, forms.ChoiceField)
        budget.choices = BudgetRange.choices_in(currency)
        locations = self.fields["locations"]
        assert isinstance(locations, forms.ModelMultipleChoiceField)
        locations.queryset = reachable_locations()

    def clean_budget_currency(self) -> str:
        currency = self.cleaned_data["budget_currency"]
        return currency if currency in money.BUDGET_LIMITS else money.budget_currency()

    def clean_need(self) -> str:
        need = self.cleaned_data["need"].strip()
        if len(need) < 10:
            raise forms.ValidationError(_("Describe your need in at least 10 characters."))
        return need

    def clean_locations(self):
        locations = list(self.cleaned_data["locations"])
        rfis.check_locations(locations)
        return locations

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))
