from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from profiles.team_forms import RoleForm


class NewKeyForm(RoleForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses it, for example “Dynamics sync”."))
    expires_on = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_("The key stops working at the end of this day."),
    )
    field_order = ["name", "role", "locations", "expires_on"]

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))
