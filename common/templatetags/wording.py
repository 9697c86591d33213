from __future__ import annotations

from collections.abc import Iterable

from django import template

from common import wording

register = template.Library()


@register.filter
def listing(items: Iterable[object]) -> str:
    """``{{ profile.solution_area_labels|listing|default:"—" }}``: the reader's own list."""
    return wording.listing(items)
