"""Query parameters that take exactly what the schema says: ids as digits, an owner as an id
or ``none``, times as RFC 3339. Anything else is a 400 naming the parameter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

ID = re.compile(r"^[0-9]{1,15}$")
OWNER = re.compile(r"^([0-9]{1,15}|none)$")
RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$")


def parse_rfc3339(value: str) -> datetime | None:
    """An RFC 3339 date-time (a leap second read as :59, digits past microseconds cut)."""
    match = RFC3339.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(index)) for index in range(1, 7))
    fraction = (match.group(7) or ".0")[1:7].ljust(6, "0")
    zone = UTC
    if match.group(9):
        offset = timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        if offset >= timedelta(hours=24):
            return None
        zone = timezone(offset if match.group(9) == "+" else -offset)
    try:
        moment = datetime(max(year, 1), month, day, hour, minute, min(second, 59), int(fraction), tzinfo=zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


class IdField(forms.CharField):
    default_error_messages = {"invalid": _("Give an id: digits only.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not ID.match(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


class OwnerField(forms.CharField):
    default_error_messages = {"invalid": _("Give a user id or “none”.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not OWNER.match(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class SinceField(forms.CharField):
    default_error_messages = {"invalid": _("Give a date and time as in 2026-11-27T09:00:00Z (RFC 3339).")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        moment = parse_rfc3339(value)
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment


class IdFilter(filters.Filter):
    field_class = IdField


class OwnerFilter(filters.Filter):
    field_class = OwnerField


class SinceFilter(filters.Filter):
    field_class = SinceField
