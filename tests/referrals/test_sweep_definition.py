"""The set-based sweep and the transitions it stands for are one definition: a referral the
sweep archives looks exactly like one archived by calling the transition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals import lifecycle, sweeps
from referrals.models import Referral, bulk_transition
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

# Differ between any two referrals whatever happened to them.
OWN = {"id", "rfi_id", "location_id", "updated_at"}


def values(referral: Referral) -> dict:
    referral.refresh_from_db()
    return {field.attname: getattr(referral, field.attname) for field in Referral._meta.concrete_fields} | {
        "events": list(referral.events.values_list("action", "from_state", "to_state", "actor_kind", "created_at"))
    }


@pytest.mark.parametrize(
    ("transition", "sweep", "interested"),
    [("fail", sweeps.fail_overdue, False), ("expire", sweeps.expire_overdue, True)],
)
def test_the_sweep_writes_what_the_transition_writes(partner, owner, transition, sweep, interested):
    start = timezone.now() - timedelta(days=10)
    now = timezone.now()
    swept, by_hand = make_referral(partner, now=start), make_referral(partner, now=start)
    if interested:
        for referral in (swept, by_hand):
            lifecycle.mark_interested(referral, by=owner, now=start + timedelta(hours=1))
    # The transition itself, as the actions layer runs it.
    lifecycle._entry_point(transition, by_hand, by=None, now=now)
    assert sweep(now) == [swept.pk]
    mine, theirs = values(swept), values(by_hand)
    assert {key: value for key, value in mine.items() if key not in OWN} == {
        key: value for key, value in theirs.items() if key not in OWN
    }
    assert mine["state"] == bulk_transition(transition, now).target
