"""What each action takes in the API: read off the action's own form in the registry (one
definition of its fields) to describe it in the schema; a request's JSON types are checked
here, then its values go through the form itself: the same checks and messages as on the
referral page, every field's at once."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from referrals.forms import ActionForm
from referrals.registry import PartnerAction


class StrictCharField(serializers.CharField):
    """Text (the schema's ``string``)."""


class StrictIntegerField(serializers.IntegerField):
    """A whole number (the schema's ``integer``)."""


class StrictAmountField(serializers.DecimalField):
    """An amount as a JSON number (not a string), from 0.01 up to below a trillion; what is
    below a cent is cut. The lifecycle checks the range (``lifecycle.clean_amount``)."""

    default_error_messages = {"not_a_number": _("Send an amount as a number, for example 1250000 or 1250.50.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=14, decimal_places=2, coerce_to_string=False, min_value=Decimal("0.01"),
                         max_value=Decimal("999999999999.99"), **kwargs)  # fmt: skip


def _field(form: type[ActionForm], name: str, field: forms.Field) -> serializers.Field:
    required = field.required or name in form.needs
    common: dict[str, Any] = {"required": required, "help_text": str(field.label)}
    if isinstance(field, forms.ModelChoiceField):
        return StrictIntegerField(allow_null=True, **common | {"help_text": _("A colleague's user id, or null.")})
    if isinstance(field, forms.DecimalField):  # before IntegerField, which it extends
        return StrictAmountField(allow_null=not required, **common)
    if isinstance(field, forms.IntegerField):
        return StrictIntegerField(allow_null=not required, min_value=field.min_value, max_value=field.max_value,
                                  **common)  # fmt: skip
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not required, **common)
    if isinstance(field, forms.ChoiceField):
        reasons = getattr(form, "reasons", None)
        offered = cast(list[tuple[str, str]], list(cast(Iterable, field.choices)))
        choices = reasons.choices if name == "reason" and reasons else [choice for choice in offered if choice[0]]
        return serializers.ChoiceField(choices=choices, allow_blank=not required, **common)
    if isinstance(field, forms.CharField):
        return StrictCharField(max_length=field.max_length, allow_blank=not required, **common)
    raise TypeError(f"{form.__name__}.{name}: no API field for {type(field).__name__}")


def input_serializer(action: PartnerAction) -> type[serializers.Serializer]:
    fields = {
        name: _field(action.form, name, field)
        for name, field in action.form.base_fields.items()
        if name != "expected_state"
    }
    camel = "".join(part.title() for part in action.name.split("_"))
    return type(f"{camel}Input", (serializers.Serializer,), fields)


def _json_type_error(field: serializers.Field, value: Any) -> str | None:
    """What is wrong with the JSON type of ``value`` for ``field``, or None."""
    if value is None:
        return None  # the form says whether it may be empty
    if isinstance(field, StrictAmountField):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return str(field.error_messages["not_a_number"])
    elif isinstance(field, StrictIntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            return str(_("Send a whole number here."))
    elif not isinstance(value, str):
        return str(_("Send text here."))
    return None


def form_data(serializer: type[serializers.Serializer], body: Any) -> dict[str, str]:
    """What the action's form would have received from the page for the JSON ``body``; a body
    that is not an object, or a value of the wrong JSON type, is refused (400) here. Whether a
    value is there, allowed and sensible is the form's to say, with the page's messages."""
    if not isinstance(body, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    fields = serializer().fields
    errors = {name: [error] for name, field in fields.items() if (error := _json_type_error(field, body.get(name)))}
    if errors:
        raise exceptions.ValidationError(errors)
    data = {}
    for name, field in fields.items():
        value = body.get(name)
        if value is None:
            data[name] = ""
        elif isinstance(field, StrictAmountField):
            amount = Decimal(str(value))
            cut = amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN) if abs(amount) < Decimal("1e12") else amount
            data[name] = str(cut)
        else:
            data[name] = str(value)
    return data
