"""The record of what a partner's team changed: who, what, before and after, when
(``PartnerChange``). Written in the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import PartnerChange, PartnerCompany, User


def shown(value: Any) -> Any:
    """A value as the record keeps it: JSON-ready and readable."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(str(item) for item in value))
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    partner: PartnerCompany, *, by: User | None, subject: str, before: dict[str, Any], after: dict[str, Any]
) -> PartnerChange | None:
    """Record what differs between ``before`` and ``after`` (labels → values); nothing if nothing does."""
    changes = {
        label: [shown(before.get(label)), shown(after.get(label))]
        for label in {**before, **after}
        if shown(before.get(label)) != shown(after.get(label))
    }
    if not changes:
        return None
    return PartnerChange.objects.create(
        partner=partner, actor=by, subject=subject, changes=changes, created_at=timezone.now()
    )
