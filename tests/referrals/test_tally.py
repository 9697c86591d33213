"""The partners' running tallies stay equal to counting their referrals afresh, and the
operator's command finds and repairs any that do not."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from referrals import lifecycle, sweeps, tally
from referrals.models import ReferralTally
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def recount(*args) -> str:
    out = StringIO()
    call_command("recount_tallies", *args, stdout=out)
    return out.getvalue()


def test_actions_and_sweeps_keep_the_tallies_and_the_command_repairs_a_broken_one(partner, other_partner, owner):
    start = timezone.now() - timedelta(days=10)
    answered, skipped, _failed = (
        make_referral(partner, now=start, solution_area=a) for a in ("security", "data_ai", "security")
    )
    lifecycle.mark_interested(answered, by=owner, now=start + timedelta(hours=2))
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=owner, now=start + timedelta(hours=30))
    sweeps.expire_overdue(timezone.now())
    sweeps.fail_overdue(timezone.now())
    make_referral(other_partner)
    assert tally.by_state(partner.pk)["expired"] == tally.by_state(partner.pk)["failed"] == 1
    assert tally.records([partner.pk], "security")[partner.pk] == {
        "received": 3, "answered_within_24h": 1, "lapsed": 2,
        "accepted": 0, "similar_received": 2, "similar_accepted": 0,
    }  # fmt: skip
    assert "match their referrals" in recount("--check")

    ReferralTally.objects.filter(partner=partner, state="expired").update(count=7)
    with pytest.raises(SystemExit) as exit_:
        recount("--check")
    assert exit_.value.code == 1
    assert f"Rebuilt the tallies of 1 partners: #{partner.pk}" in recount()
    assert tally.running([partner.pk]) == tally.recounted([partner.pk])
    assert tally.by_state(partner.pk)["expired"] == 1


def test_an_unknown_partner_is_named(partner):
    with pytest.raises(CommandError, match="No partner company with id 999999"):
        recount("--partner", "999999")
