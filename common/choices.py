"""Faster ``get_FOO_display`` for models whose choice fields hold strings.

Django's own builds a dict of every choice on each call, hashing each lazy label and so
translating all of them; a page of 25 referrals paid for some 400 translations. This looks the
value up in one dict per field, built once, and translates only the label it returns."""

from __future__ import annotations

from functools import cache

from django.db import models
from django.utils.encoding import force_str


@cache
def _labels(field: models.Field) -> dict:
    return dict(field.flatchoices)


class ChoiceLabelsMixin:
    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(value, value), strings_only=True)
