"""What a referral admin fills in to keep the business profiles current."""

from __future__ import annotations

import re

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput

from .choices import CompanySize, Industry, Language, Region, SolutionArea
from .models import BusinessProfile, Contact, Location, PartnerCompany, User

# A keyword as customers type it: letters of any script, digits, spaces and a few signs.
KEYWORD = re.compile(r"^[\w][\w .+#&/'-]{0,39}$")
MAX_KEYWORDS = 30


def split_keywords(text: str) -> list[str]:
    return [word.strip() for word in re.split(r"[,\n、]", text) if word.strip()]


class NewProfileForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), choices=Region.choices)
    headline = forms.CharField(label=_("Headline"), max_length=200)


class ProfileForm(forms.ModelForm):
    """The profile's words and choices. Keywords are kept (ticked) or removed (unticked), and
    new ones added, one per line or separated by commas."""

    solution_areas = forms.MultipleChoiceField(
        label=_("Specialties"), choices=SolutionArea.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    industries = forms.MultipleChoiceField(
        label=_("Industries"), choices=Industry.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    company_sizes = forms.MultipleChoiceField(
        label=_("Company sizes you want to serve"),
        choices=CompanySize.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages served"), choices=Language.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    kept_keywords = forms.MultipleChoiceField(
        label=_("Keywords"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Untick a keyword that brings referrals you do not want."),
    )
    new_keywords = forms.CharField(
        label=_("Add keywords"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, or separated by commas."),
    )

    class Meta:
        model = BusinessProfile
        fields = ["headline", "description", "solution_areas", "industries", "company_sizes", "languages", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = split_keywords(self.instance.keywords)
        kept = self.fields["kept_keywords"]
        assert isinstance(kept, forms.MultipleChoiceField)
        kept.choices = [(word, word) for word in current]
        self.initial.setdefault("kept_keywords", current)
        self.fields["is_active"].help_text = _(
            "Customers find an active profile in partner search. It needs a location with a contact who "
            "receives the new-referral emails."
        )

    def clean_new_keywords(self) -> list[str]:
        words = split_keywords(self.cleaned_data["new_keywords"])
        for word in words:
            if not KEYWORD.match(word):
                raise forms.ValidationError(
                    _("“%(word)s” is not a keyword: use letters, digits and spaces, at most 40 characters each."),
                    params={"word": word[:40]},
                )
        return words

    def clean(self):
        data = super().clean() or {}
        words = list(dict.fromkeys([*data.get("kept_keywords", []), *data.get("new_keywords", [])]))
        if len(words) > MAX_KEYWORDS:
            self.add_error("new_keywords", _("Keep at most %(count)d keywords.") % {"count": MAX_KEYWORDS})
        data["keywords"] = ", ".join(words)
        if len(data["keywords"]) > 500:
            self.add_error("new_keywords", _("The keywords are too long together: keep the ones that count."))
        return data


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class LocationForm(forms.ModelForm):
    default_owner = OwnerChoice(
        label=_("Default owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("New referrals of this location are assigned to this colleague."),
    )

    class Meta:
        model = Location
        fields = ["name", "city", "address", "postal_code", "is_active", "paused_until", "monthly_cap", "default_owner"]
        widgets = {"paused_until": DateInput()}

    def __init__(self, *args, partner: PartnerCompany, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["default_owner"]
        assert isinstance(owner, OwnerChoice)
        owner.queryset = User.objects.people().filter(partner=partner, is_active=True).order_by("username")

    def clean_default_owner(self) -> User | None:
        owner = self.cleaned_data["default_owner"]
        location = self.instance
        if (
            owner is not None
            and not owner.is_partner_admin
            and (location.pk is None or not owner.locations.filter(pk=location.pk).exists())
        ):
            raise forms.ValidationError(_("Choose a colleague who sees this location's referrals."))
        return owner


ContactFormSet = inlineformset_factory(
    Location,
    Contact,
    fields=["name", "email", "phone", "language", "receives_referrals"],
    extra=1,
    can_delete=True,
)
