"""Insight figures against numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from referrals import insights, lifecycle, sweeps
from referrals.models import Referral
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSE = T0.date() + timedelta(days=60)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


@pytest.fixture
def history(partner, owner, other_partner):
    """Eight referrals of one partner, each with a story (responses after 2, 30, 10, —, 5, 1, 20, 4 hours)."""
    by = owner

    def new():
        return make_referral(partner, now=T0)

    won = new()
    lifecycle.mark_interested(won, by=by, now=hours(2))
    lifecycle.accept(won, by=by, deal_value=Decimal("1000"), currency="USD", close_date=CLOSE, now=hours(3))
    lifecycle.mark_won(won, by=by, final_value=Decimal("1200"), now=hours(50))

    declined = new()
    lifecycle.mark_interested(declined, by=by, now=hours(30))
    lifecycle.decline(declined, by=by, reason="no_capacity", now=hours(31))

    skipped = new()
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=by, now=hours(10))

    new()  # never answered: fails at 72 hours

    for response, value, currency in ((5, "500000", "JPY"), (1, "300", "USD")):
        negotiating = new()
        lifecycle.mark_interested(negotiating, by=by, now=hours(response))
        lifecycle.accept(
            negotiating, by=by, deal_value=Decimal(value), currency=currency, close_date=CLOSE, now=hours(response + 1)
        )

    lost = new()
    lifecycle.mark_interested(lost, by=by, now=hours(20))
    lifecycle.accept(lost, by=by, deal_value=Decimal("900"), currency="EUR", close_date=CLOSE, now=hours(21))
    lifecycle.mark_lost(lost, by=by, reason="price", now=hours(40))

    expiring = new()
    lifecycle.mark_interested(expiring, by=by, now=hours(4))

    sweeps.fail_overdue(hours(73))
    sweeps.expire_overdue(hours(4 + 7 * 24 + 1))

    # Another partner's referral, answered at once, must change nothing here.
    elsewhere = make_referral(other_partner, now=T0)
    b_user = elsewhere.partner.users.create(username="b-user", role="admin")
    lifecycle.mark_not_interested(elsewhere, reason="not_a_fit", by=b_user, now=hours(0.5))
    return partner


def test_response_speed(history):
    figures = insights.compute(Referral.objects.for_partner(history))
    assert figures.received == 8
    assert figures.answered == 7
    # sorted: 1, 2, 4, 5, 10, 20, 30 hours
    assert figures.median_response == timedelta(hours=5)
    # rank 0.9 × 6 = 5.4: 20 h + 0.4 × (30 h − 20 h)
    assert figures.p90_response == timedelta(hours=24)
    assert figures.answered_within_24h == 6
    assert figures.share_within_24h == 0.75


def test_funnel_outcomes_and_win_rate(history):
    figures = insights.compute(Referral.objects.for_partner(history))
    assert (figures.received, figures.reached_evaluating, figures.reached_negotiating, figures.won) == (8, 6, 4, 1)
    assert figures.by_state == {
        "won": 1,
        "declined": 1,
        "skipped": 1,
        "failed": 1,
        "negotiating": 2,
        "lost": 1,
        "expired": 1,
    }
    assert figures.win_rate == 0.5
    assert figures.let_lapse == 2


def test_values_by_currency_are_never_added_across_currencies(history):
    figures = insights.compute(Referral.objects.for_partner(history))
    assert figures.pipeline_by_currency == {"JPY": Decimal("500000.00"), "USD": Decimal("300.00")}
    assert figures.won_by_currency == {"USD": Decimal("1200.00")}


def test_reasons(history):
    figures = insights.compute(Referral.objects.for_partner(history))
    assert figures.decline_reasons == {"no_capacity": 1}
    assert figures.lost_reasons == {"price": 1}


def test_trend_by_month(history, owner):
    april = make_referral(history, now=datetime(2026, 4, 10, tzinfo=UTC))
    lifecycle.mark_interested(april, by=owner, now=datetime(2026, 4, 11, 12, tzinfo=UTC))  # after 36 hours
    figures = insights.compute(Referral.objects.for_partner(history))
    assert [
        (row["month"].date().isoformat(), row["received"], row["answered_within_24h"], row["won"], row["lapsed"])
        for row in figures.months
    ] == [("2026-03-01", 8, 6, 1, 2), ("2026-04-01", 1, 0, 0, 0)]


def test_an_empty_period_has_no_rates(history):
    figures = insights.compute(Referral.objects.for_partner(history).filter(received_at__year=2025))
    assert figures.received == 0
    assert figures.share_within_24h is None
    assert figures.win_rate is None
    assert figures.median_response is None
    assert figures.months == []
    assert figures.pipeline_by_currency == {}


@pytest.mark.parametrize("extra", [0, 25])
def test_the_number_of_queries_does_not_grow_with_the_referrals(history, extra, django_assert_num_queries):
    for _ in range(extra):
        make_referral(history, now=T0)
    with django_assert_num_queries(7):
        insights.compute(Referral.objects.for_partner(history))
