"""Dashboard tips follow from the partner's own figures."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from profiles.models import Location
from referrals import lifecycle
from tests.factories import BusinessProfileFactory, make_referral

pytestmark = pytest.mark.django_db


def tips(client, user) -> list[str]:
    """The tips the rendered dashboard shows (what the partner reads, cached or not)."""
    client.force_login(user)
    page = client.get(reverse("referrals:dashboard")).content.decode()
    if 'id="tips"' not in page:
        return []
    listed = page.split('<ul id="tips">', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(tip) for tip in re.findall(r"<li>(.*?)</li>", listed, re.DOTALL)]


def test_a_location_without_contacts_is_pointed_out(client, owner, partner):
    profile = BusinessProfileFactory(partner=partner)
    Location.objects.create(profile=profile, name="Nagoya office", city="Nagoya")
    assert "Add a contact to Nagoya office: nobody there receives the new-referral emails." in tips(client, owner)


def test_slow_answers_get_a_nudge_with_the_figure(client, owner, partner):
    start = timezone.now() - timedelta(days=5)
    for hours in (2, 30, 40, 50):
        referral = make_referral(partner, now=start)
        lifecycle.mark_interested(referral, by=owner, now=start + timedelta(hours=hours))
    [tip] = [tip for tip in tips(client, owner) if tip.startswith("Answer within 24 hours")]
    assert "you answered 25% of referrals in time" in tip


def test_often_skipped_specialties_are_named(client, owner, partner):
    for _ in range(3):
        lifecycle.mark_not_interested(make_referral(partner, solution_area="data_ai"), reason="not_a_fit", by=owner)
    assert any("You turned down 3 referrals about Data and AI" in tip for tip in tips(client, owner))


def test_deals_past_their_close_date_want_an_outcome(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    lifecycle.accept(referral, by=owner, deal_value=10, currency="USD", close_date=timezone.localdate())
    assert not any("Report the outcome" in tip for tip in tips(client, owner))
    with time_machine.travel(timezone.now() + timedelta(days=3)):  # the close date passes
        assert "Report the outcome of 1 referral whose estimated close date has passed: won or lost." in tips(
            client, owner
        )


def test_tips_follow_the_partners_own_changes_at_once(client, owner, partner):
    referrals = [make_referral(partner, solution_area="data_ai") for _ in range(3)]
    for referral in referrals[:2]:
        lifecycle.mark_not_interested(referral, reason="not_a_fit", by=owner)
    assert not any("You turned down" in tip for tip in tips(client, owner))  # now cached
    lifecycle.mark_not_interested(referrals[2], reason="not_a_fit", by=owner)
    assert any("You turned down 3 referrals about Data and AI" in tip for tip in tips(client, owner))


def test_a_partner_doing_well_gets_no_tips(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    assert tips(client, owner) == []
