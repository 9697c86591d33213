"""Races on PostgreSQL, each side on its own database connection, released together: exactly one
side wins, the other is told where the referral is now, and there is one record and one set of
emails, every time and in both orders."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import lifecycle, sweeps, tally
from referrals.models import Referral, State
from tests.factories import make_referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUNS = int(os.environ.get("RACE_RUNS", "200"))


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("Race tests need PostgreSQL's row locks: run them with ./dev test.")


def assert_tallies_match(partner) -> None:
    """The partner's running tallies equal a recount of its referrals: the loser of a race
    moved nothing, the winner moved its referral once."""
    assert tally.running([partner.pk]) == tally.recounted([partner.pk])


def race(first, second) -> tuple[object, object]:
    """Run both callables in threads released by one barrier; each thread has its own database
    connection. Returns what each returned or raised."""
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(0, first)), threading.Thread(target=run, args=(1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results[0], results[1]


def test_a_partners_accept_and_the_expiry_sweep_never_both_win(partner, owner):
    outcomes = Counter()
    now = timezone.now()
    close = timezone.localdate() + timedelta(days=10)
    for run in range(RUNS):
        referral = make_referral(partner, now=now - timedelta(days=9))
        lifecycle.mark_interested(referral, by=owner, now=now - timedelta(days=8))

        def accept(referral=referral):
            return lifecycle.accept(
                referral,
                by=owner,
                deal_value=Decimal("100"),
                currency="USD",
                close_date=close,
                expected_state="evaluating",
            )

        def sweep():
            return sweeps.expire_overdue(now)

        pair = (accept, sweep) if run % 2 == 0 else (sweep, accept)
        first, second = race(*pair)
        accepted, swept = (first, second) if run % 2 == 0 else (second, first)
        referral.refresh_from_db()
        events = list(referral.events.values_list("to_state", flat=True))
        customer_emails = OutboundEmail.objects.filter(referral=referral, template="choose_another_partner").count()
        if referral.state == State.NEGOTIATING:
            assert isinstance(accepted, Referral) and swept == []
            assert events == ["new", "evaluating", "negotiating"] and customer_emails == 0
        else:
            assert referral.state == State.EXPIRED
            assert isinstance(accepted, lifecycle.ReferralConflict) and accepted.state == State.EXPIRED
            assert "it is now Expired" in str(accepted)  # what the partner is told
            assert swept == [referral.pk]
            assert events == ["new", "evaluating", "expired"] and customer_emails == 1
        assert_tallies_match(partner)
        outcomes[referral.state] += 1
    print(f"accept against the sweep, {RUNS} runs: {dict(outcomes)}")


def test_two_users_of_one_partner_clicking_at_once_make_one_change(partner, owner, teammate):
    outcomes = Counter()
    for run in range(RUNS):
        referral = make_referral(partner)

        def interested(referral=referral):
            return lifecycle.mark_interested(referral, by=owner, expected_state="new")

        def not_interested(referral=referral):
            return lifecycle.mark_not_interested(referral, reason="not_a_fit", by=teammate, expected_state="new")

        pair = (interested, not_interested) if run % 2 == 0 else (not_interested, interested)
        results = race(*pair)
        winners = [r for r in results if isinstance(r, Referral)]
        losers = [r for r in results if isinstance(r, lifecycle.ReferralConflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        referral.refresh_from_db()
        assert losers[0].state == referral.state  # the loser is told the state the winner left
        assert referral.events.count() == 2
        expected_emails = 1 if referral.state == State.SKIPPED else 0
        assert (
            OutboundEmail.objects.filter(referral=referral, template="choose_another_partner").count()
            == expected_emails
        )
        assert_tallies_match(partner)
        outcomes[referral.state] += 1
    print(f"interested against not interested, {RUNS} runs: {dict(outcomes)}")


def test_two_sweeps_at_once_archive_each_referral_once(partner):
    now = timezone.now()
    referrals = [make_referral(partner, now=now - timedelta(hours=80)) for _ in range(120)]
    first, second = race(
        lambda: sweeps.fail_overdue(now, batch_size=25), lambda: sweeps.fail_overdue(now, batch_size=25)
    )
    assert sorted(first + second) == sorted(r.pk for r in referrals)
    assert not set(first) & set(second)
    assert Referral.objects.filter(state=State.FAILED).count() == 120
    assert OutboundEmail.objects.filter(template="choose_another_partner").count() == 120
    assert_tallies_match(partner)
