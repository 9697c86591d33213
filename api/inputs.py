"""What each action takes in the API: read off the action's own form in the registry (one
definition of its fields), with JSON's types enforced strictly, so that the schema says exactly
what is accepted. The values then go through the form itself: the same checks and messages as
on the referral page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from referrals.registry import PartnerAction


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictAmountField(serializers.DecimalField):
    """An amount as a JSON number (not a string), at most two decimal places."""

    default_error_messages = {"not_a_number": _("Send an amount as a number, for example 1250000 or 1250.50.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=False, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("not_a_number")
        return super().to_internal_value(str(data))


def _field(form: type[forms.Form], name: str, field: forms.Field) -> serializers.Field:
    common: dict[str, Any] = {"required": field.required, "help_text": str(field.label)}
    if isinstance(field, forms.ModelChoiceField):
        return StrictIntegerField(allow_null=True, **common | {"help_text": _("A colleague's user id, or null.")})
    if isinstance(field, forms.DecimalField):
        return StrictAmountField(allow_null=not field.required, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not field.required, **common)
    if isinstance(field, forms.ChoiceField):
        reasons = getattr(form, "reasons", None)
        choices = reasons.choices if name == "reason" and reasons else [c for c in field.choices if c[0]]
        return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **common)
    if isinstance(field, forms.CharField):
        return StrictCharField(max_length=field.max_length, allow_blank=not field.required, **common)
    raise TypeError(f"{form.__name__}.{name}: no API field for {type(field).__name__}")


def input_serializer(action: PartnerAction) -> type[serializers.Serializer]:
    fields = {
        name: _field(action.form, name, field)
        for name, field in action.form.base_fields.items()
        if name != "expected_state"
    }
    camel = "".join(part.title() for part in action.name.split("_"))
    return type(f"{camel}Input", (serializers.Serializer,), fields)


def form_data(values: dict[str, Any]) -> dict[str, str]:
    """What the form would have received from the page for ``values``."""
    data = {}
    for name, value in values.items():
        if value is None:
            data[name] = ""
        elif isinstance(value, date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data
