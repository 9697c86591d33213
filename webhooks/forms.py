from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SUBSCRIBABLE, EventType


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where your server receives the events: an https:// address on the internet."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(event.value, EventType(event).label) for event in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        initial=[event.value for event in SUBSCRIBABLE],
    )
    description = forms.CharField(label=_("Description (optional)"), max_length=200, required=False)


class EditEndpointForm(EndpointForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Turn it on again after fixing your server: deliveries still pending go out."),
    )
