"""Reminders to the partner's contacts: at 24 hours, and a last call before the deadline; once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import lifecycle, sweeps
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def emails(template: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))


def test_a_new_referral_unanswered_for_24_hours_gets_one_reminder(partner):
    start = timezone.now()
    referral = make_referral(partner, now=start)
    assert sweeps.run(start + timedelta(hours=23)).reminded == []
    assert sweeps.run(start + timedelta(hours=24, minutes=1)).reminded == [referral.pk]
    assert sweeps.run(start + timedelta(hours=30)).reminded == []
    [email] = emails("referral_reminder")
    assert email.to_email == referral.location.contacts.get().email
    assert "waited 24 hours" in email.subject
    assert referral.rfi.need in email.body_text and referral.rfi.need in email.body_html


def test_an_answered_referral_gets_no_reminder(partner, owner):
    start = timezone.now()
    referral = make_referral(partner, now=start)
    lifecycle.mark_interested(referral, by=owner, now=start + timedelta(hours=2))
    assert sweeps.run(start + timedelta(hours=25)).reminded == []
    assert not emails("referral_reminder")


def test_a_last_call_before_a_new_referral_fails(partner):
    start = timezone.now()
    referral = make_referral(partner, now=start)
    assert sweeps.run(start + timedelta(hours=65)).last_call == []
    assert sweeps.run(start + timedelta(hours=66, minutes=1)).last_call == [referral.pk]
    assert sweeps.run(start + timedelta(hours=70)).last_call == []
    [email] = emails("referral_last_call")
    assert "fails in a few hours" in email.subject


def test_a_last_call_before_an_evaluating_referral_expires_in_japanese(partner, owner):
    start = timezone.now()
    referral = make_referral(partner, now=start)
    referral.location.contacts.update(language="ja")
    sweeps.run(start + timedelta(hours=67))  # a last call while new…
    lifecycle.mark_interested(referral, by=owner, now=start + timedelta(hours=68))
    # …and, after Interested, one for the 7-day stage too.
    assert sweeps.run(start + timedelta(hours=68) + timedelta(days=7) - timedelta(hours=5)).last_call == [referral.pk]
    calls = emails("referral_last_call")
    assert len(calls) == 2
    assert "有効期限" in calls[1].subject and "承諾または辞退" in calls[1].body_text


def test_an_overdue_referral_is_archived_not_reminded(partner):
    start = timezone.now()
    referral = make_referral(partner, now=start)
    result = sweeps.run(start + timedelta(hours=80))  # beat was down for days
    assert result.failed == [referral.pk]
    assert result.reminded == [] and result.last_call == []
