"""Random sequences of partner actions, customer withdrawals, operator disconnections and
clock jumps with sweeps never leave DOMAIN.md: every state and transition is one it names,
every change has its record, and exactly the emails it names are queued."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from outbox.models import OutboundEmail
from referrals import lifecycle, rfis, sweeps, tally
from referrals.models import PASSED_ON_STATES, Referral, State
from tests.factories import PartnerCompanyFactory, StaffUserFactory, UserFactory, make_referral

ACTIVE = {State.NEW, State.EVALUATING, State.NEGOTIATING}
DOMAIN_TRANSITIONS = {
    ("", State.NEW),
    (State.NEW, State.EVALUATING),
    (State.NEW, State.SKIPPED),
    (State.NEW, State.FAILED),
    (State.EVALUATING, State.NEGOTIATING),
    (State.EVALUATING, State.DECLINED),
    (State.EVALUATING, State.EXPIRED),
    (State.NEGOTIATING, State.WON),
    (State.NEGOTIATING, State.LOST),
} | {(state, State.DISCONNECTED) for state in ACTIVE}

PARTNER_STEPS = ["interested", "not_interested", "accept", "decline", "won", "lost"]


class ReferralLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint that teardown rolls back: examples never see each other.
        # Marked as Django's TestCase marks the transactions it wraps a test in, so that the
        # actions' own durable transactions may run inside it (as they run inside a test).
        self.atomic = transaction.atomic()
        self.atomic._from_testcase = True
        self.atomic.__enter__()
        self.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
        self.partner = PartnerCompanyFactory()
        self.user = UserFactory(partner=self.partner)
        self.outsider = UserFactory(partner=PartnerCompanyFactory())
        self.operator = StaffUserFactory()
        self.referrals: list[int] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _pick(self, index: int) -> Referral:
        return Referral.objects.get(pk=self.referrals[index % len(self.referrals)])

    @rule(area=st.sampled_from(["cloud_infrastructure", "security", "data_ai"]))
    def customer_sends_an_rfi(self, area: str) -> None:
        self.referrals.append(make_referral(self.partner, now=self.now, solution_area=area).pk)

    @precondition(lambda self: self.referrals)
    @rule(index=st.integers(0, 50), step=st.sampled_from(PARTNER_STEPS))
    def partner_acts(self, index: int, step: str) -> None:
        referral = self._pick(index)
        close = timezone.localdate(self.now) + timedelta(days=30)
        call = {
            "interested": lambda: lifecycle.mark_interested(referral, by=self.user, now=self.now),
            "not_interested": lambda: lifecycle.mark_not_interested(
                referral, reason="not_a_fit", by=self.user, now=self.now
            ),
            "accept": lambda: lifecycle.accept(
                referral, by=self.user, deal_value=Decimal("100"), currency="USD", close_date=close, now=self.now
            ),
            "decline": lambda: lifecycle.decline(referral, by=self.user, reason="not_a_fit", now=self.now),
            "won": lambda: lifecycle.mark_won(referral, by=self.user, final_value=Decimal("90"), now=self.now),
            "lost": lambda: lifecycle.mark_lost(referral, by=self.user, reason="price", now=self.now),
        }[step]
        try:
            call()
        except lifecycle.ReferralConflict as conflict:
            assert conflict.state == referral.state  # refused because of where it is, and says so

    @precondition(lambda self: self.referrals)
    @rule(index=st.integers(0, 50))
    def another_partner_tries(self, index: int) -> None:
        referral = self._pick(index)
        try:
            lifecycle.mark_interested(referral, by=self.outsider, now=self.now)
        except (PermissionDenied, lifecycle.ReferralConflict):
            pass
        else:
            raise AssertionError("a user of another partner changed the referral")

    @precondition(lambda self: self.referrals)
    @rule(index=st.integers(0, 50))
    def customer_withdraws(self, index: int) -> None:
        rfis.withdraw_rfi(self._pick(index).rfi, now=self.now)

    @precondition(lambda self: self.referrals)
    @rule(index=st.integers(0, 50))
    def operator_disconnects(self, index: int) -> None:
        referral = self._pick(index)
        try:
            lifecycle.disconnect(referral, by=self.operator, now=self.now)
        except lifecycle.ReferralConflict:
            assert referral.state not in ACTIVE

    @rule(hours=st.sampled_from([1, 23, 49, 71, 73, 24 * 6, 24 * 8]))
    def clock_jumps_and_beat_sweeps(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        sweeps.fail_overdue(self.now)
        sweeps.expire_overdue(self.now)
        assert not Referral.objects.overdue_new(self.now).exists()
        assert not Referral.objects.overdue_evaluating(self.now).exists()

    @invariant()
    def the_running_tallies_match_a_recount(self) -> None:
        # What the inbox's tabs and partner search read equals counting the referrals afresh.
        assert tally.running([self.partner.pk]) == tally.recounted([self.partner.pk])

    @invariant()
    def every_referral_stays_inside_domain_md(self) -> None:
        for referral in Referral.objects.filter(pk__in=self.referrals).prefetch_related("events", "location__contacts"):
            events = list(referral.events.all())
            assert events, "a referral without its record"
            pairs = [(event.from_state, event.to_state) for event in events]
            assert set(pairs) <= DOMAIN_TRANSITIONS, pairs
            assert all(a[1] == b[0] for a, b in itertools.pairwise(pairs)), "a gap in the record"
            assert pairs[-1][1] == referral.state
            for event in events:
                if event.to_state == State.FAILED:
                    assert event.created_at - referral.received_at >= timedelta(hours=72)
                if event.to_state == State.EXPIRED:
                    assert event.created_at - referral.evaluating_at >= timedelta(days=7)

            contacts = len(referral.location.contacts.all())
            expected = Counter({"new_referral": contacts})
            if referral.state in PASSED_ON_STATES:
                expected["choose_another_partner"] = 1
            if referral.state == State.DISCONNECTED:
                expected["referral_disconnected"] = contacts
            if any(event.to_state == State.EVALUATING for event in events):
                expected["partner_reviewing"] = 1  # the customer heard the partner is on it
            queued = Counter(OutboundEmail.objects.filter(referral=referral).values_list("template", flat=True))
            assert queued == expected, (referral.state, queued)


@pytest.mark.django_db
def test_random_lifecycles_stay_inside_domain_md():
    machine = ReferralLifecycle.TestCase
    machine.settings = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()
