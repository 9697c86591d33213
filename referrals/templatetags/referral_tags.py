from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common import money, wording

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A waiting time or time left as a person says it: '2 days 3 h', '5 h 20 min', '12 min'."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def _amount(value: str, currency: str) -> str:
    return money.money(Decimal(value), currency) if value not in (None, "") else "—"


def _date(value: str) -> str:
    return date_format(date.fromisoformat(value), "DATE_FORMAT") if value else "—"


@register.filter
def amounts(by_currency: dict[str, Decimal]) -> str:
    """Sums in several currencies as one list: "¥500,000 and $300.00", "￥500,000、$300.00"."""
    return wording.listing(money.money(value, currency) for currency, value in by_currency.items())


@register.filter(name="money")
def money_filter(value: Decimal | None, currency: str) -> str:
    """``{{ referral.deal_value|money:referral.currency }}``: ¥4,800,000, $12,500.00."""
    return money.money(value, currency)


@register.filter
def recorded(event) -> list[tuple[str, str]]:
    """The values a timeline step recorded, as (label, shown value) pairs in the reader's language."""
    from referrals.models import DeclineReason, EventAction, LostReason, NotInterestedReason

    details = event.details or {}
    shown: list[tuple[str, str]] = []
    currency = details.get("currency", "")
    if "deal_value" in details:
        shown.append((_("Estimated deal value"), _amount(details["deal_value"], currency)))
    if "close_date" in details:
        shown.append((_("Estimated close date"), _date(details["close_date"])))
    if "final_value" in details:
        shown.append((_("Final deal value"), _amount(details["final_value"], currency)))
    if "previous" in details:  # an estimate changed: what it was
        before = details["previous"]
        shown.append((_("Previous estimate"), f"{_amount(before['deal_value'], before['currency'])}, "
                      f"{_date(before['close_date'])}"))  # fmt: skip
    if "reason" in details:
        reasons = {EventAction.MARK_LOST: LostReason, EventAction.MARK_NOT_INTERESTED: NotInterestedReason}.get(
            event.action, DeclineReason
        )
        shown.append((_("Reason"), str(dict(reasons.choices).get(details["reason"], details["reason"]))))
    if "duplicate_of" in details:
        shown.append((_("Duplicate of"), details["duplicate_of"]))
    if "owner" in details:
        shown.append((_("Owner"), details["owner"] or str(_("Nobody"))))
    return shown
