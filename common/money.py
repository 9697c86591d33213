"""Amounts of money as the reader's language writes them: Babel's CLDR data knows that yen have
no decimals, where the symbol goes and how digits are grouped (¥4,800,000 and ￥4,800,000,
$12,500.00, 12.500,00 €), so no page keeps a format of its own."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils.translation import get_language, to_locale


def reader_locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def money(value: Decimal | str | int | None, currency: str) -> str:
    """``4800000`` JPY → "¥4,800,000" in English, "￥4,800,000" in Japanese; nothing → "—"."""
    if value is None or value == "":
        return "—"
    if not currency:
        return format_decimal_plain(Decimal(value))
    return format_currency(Decimal(value), currency, locale=reader_locale())


def compact(value: int, currency: str) -> str:
    """A round figure as people say it: $10K, ¥1.5M in English; ￥150万 in Japanese."""
    from babel.numbers import format_compact_currency

    return format_compact_currency(value, currency, locale=reader_locale(), fraction_digits=1)


def format_decimal_plain(value: Decimal) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=reader_locale())


def form_amount(value: Decimal | None, currency: str) -> str | None:
    """An amount to start a form field with, with the currency's own decimals: 4500000 yen, not
    4500000.00; 12500.50 dollars."""
    if value is None:
        return None
    digits = get_currency_precision(currency) if currency else 2
    amount = Decimal(value)
    shown = amount.quantize(Decimal(1).scaleb(-digits))
    return str(shown if shown == amount else amount)  # never round away what was stored


# The customer's budget, in four bands. The bands are the same whatever the currency (partners
# compare them across customers); each currency writes their limits in its own round figures,
# converted at a planning rate rather than a day's rate.
BUDGET_LIMITS: dict[str, tuple[int, int, int]] = {
    "USD": (10_000, 50_000, 250_000),
    "JPY": (1_500_000, 7_500_000, 37_500_000),
}
BUDGET_CURRENCY_BY_LANGUAGE = {"ja": "JPY", "en": "USD"}


def budget_currency() -> str:
    """The currency the request form offers its bands in: the customer's language's."""
    return BUDGET_CURRENCY_BY_LANGUAGE.get((get_language() or "en")[:2], "USD")
