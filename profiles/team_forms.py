"""What a referral admin fills in to run the team, and what an invited colleague fills in."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UsernameField
from django.utils.translation import gettext_lazy as _

from .choices import Language
from .models import Location, PartnerCompany, User


class LocationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.name} ({obj.city})"


def _partner_locations(partner: PartnerCompany):
    return Location.objects.filter(profile__partner=partner).select_related("profile").order_by("name")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices, initial=User.Role.USER)
    locations = LocationChoices(
        label=_("Locations"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a referral user: the locations whose referrals they see."),
    )

    def __init__(self, *args, partner: PartnerCompany, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        locations = self.fields["locations"]
        assert isinstance(locations, LocationChoices)
        locations.queryset = _partner_locations(partner)


class InviteForm(RoleForm):
    email = forms.EmailField(label=_("Email"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=Language.choices)
    field_order = ["email", "role", "locations", "language"]


class MemberForm(RoleForm):
    is_active = forms.BooleanField(
        label=_("May sign in"), required=False, help_text=_("Untick to end their access; their sessions end at once.")
    )


class AcceptInvitationForm(forms.Form):
    username = UsernameField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data
