"""``manage.py sweep_referrals``: what beat runs, at a time an operator chooses."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import lifecycle
from referrals.models import State
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def sweep(*args: str) -> str:
    out = StringIO()
    call_command("sweep_referrals", *args, stdout=out)
    return out.getvalue()


def test_the_command_fails_and_expires_what_is_overdue_at_the_given_time(partner, owner):
    start = timezone.now()
    new = make_referral(partner, now=start)
    evaluating = make_referral(partner, now=start)
    lifecycle.mark_interested(evaluating, by=owner, now=start + timedelta(hours=1))

    output = sweep("--now", (start + timedelta(hours=72, minutes=1)).isoformat())
    assert f"archived 1 as failed: #{new.pk}" in output
    assert "archived 0 as expired: none" in output

    output = sweep("--now", (start + timedelta(days=7, hours=2)).isoformat())
    assert f"archived 1 as expired: #{evaluating.pk}" in output
    new.refresh_from_db()
    evaluating.refresh_from_db()
    assert (new.state, evaluating.state) == (State.FAILED, State.EXPIRED)


def test_a_dry_run_changes_nothing(partner):
    start = timezone.now()
    referral = make_referral(partner, now=start)
    output = sweep("--dry-run", "--now", (start + timedelta(hours=80)).isoformat())
    assert f"would archive 1 as failed: #{referral.pk}" in output
    referral.refresh_from_db()
    assert referral.state == State.NEW
    assert not OutboundEmail.objects.filter(template="choose_another_partner").exists()


def test_sweeping_twice_changes_nothing_more(partner):
    start = timezone.now()
    make_referral(partner, now=start)
    later = (start + timedelta(hours=73)).isoformat()
    sweep("--now", later)
    assert "archived 0 as failed: none" in sweep("--now", later)
    assert OutboundEmail.objects.filter(template="choose_another_partner").count() == 1


def test_a_bad_time_is_explained():
    with pytest.raises(CommandError, match="ISO 8601"):
        sweep("--now", "tomorrow")


def test_beat_runs_the_same_sweep(partner, settings):
    from referrals.tasks import sweep_referrals

    assert settings.CELERY_BEAT_SCHEDULE["sweep-referrals"]["task"] == sweep_referrals.name
    referral = make_referral(partner, now=timezone.now() - timedelta(hours=73))
    assert sweep_referrals.delay().get() == {"failed": [referral.pk], "expired": [], "reminded": [], "last_call": []}
