"""Not interested asks a reason and a confirmation; "duplicate" links the requests, "spam"
flags the request for the operators; a negotiating deal's estimate can be updated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import lifecycle
from referrals.models import RFI, Referral, State
from tests.factories import location_with_contact, make_referral

pytestmark = pytest.mark.django_db


def post(client, referral, action, headers=None, **data):
    data.setdefault("expected_state", Referral.objects.get(pk=referral.pk).state)
    return client.post(reverse("referrals:act", args=[referral.pk, action]), data, headers=headers)


def test_not_interested_asks_a_reason_then_a_confirmation_in_the_users_language(client, owner, partner):
    client.force_login(owner)
    referral = make_referral(partner)
    refused = post(client, referral, "mark_not_interested", headers={"accept-language": "ja"})
    assert "理由を一覧から選んでください" in refused.content.decode()
    asked = post(client, referral, "mark_not_interested", reason="no_capacity")
    page = asked.content.decode()
    assert asked.status_code == 200 and "archived as Skipped for good" in page
    assert "No capacity at the moment" in page and 'name="confirmed" value="yes"' in page
    assert Referral.objects.get(pk=referral.pk).state == State.NEW  # nothing happened yet
    done = post(client, referral, "mark_not_interested", reason="no_capacity", confirmed="yes")
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.SKIPPED and referral.skip_reason == "no_capacity"
    assert OutboundEmail.objects.filter(template="choose_another_partner").count() == 1
    timeline = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "No capacity at the moment" in timeline


def test_spam_flags_the_request_and_asks_the_sender_nothing(owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_not_interested(referral, by=owner, reason="spam", note="Selling pills.")
    rfi = RFI.objects.get(pk=referral.rfi_id)
    assert rfi.flagged_at is not None and rfi.flagged_by == partner
    assert not OutboundEmail.objects.filter(template="choose_another_partner").exists()


def test_duplicate_links_the_request_to_the_one_the_partner_names(owner, partner, other_partner):
    earlier = make_referral(partner)
    later = make_referral(partner)
    theirs = make_referral(other_partner)
    with pytest.raises(lifecycle.ValidationError):  # no number, and no link to go by
        lifecycle.mark_not_interested(later, by=owner, reason="duplicate")
    with pytest.raises(lifecycle.ValidationError):  # another partner's referral is no answer
        lifecycle.mark_not_interested(later, by=owner, reason="duplicate", duplicate_of=theirs.pk)
    lifecycle.mark_not_interested(later, by=owner, reason="duplicate", duplicate_of=earlier.pk)
    assert RFI.objects.get(pk=later.rfi_id).duplicate_of_id == earlier.rfi_id
    assert not OutboundEmail.objects.filter(template="choose_another_partner").exists()
    assert later.events.last().details == {"reason": "duplicate", "duplicate_of": f"#{earlier.pk}"}


def test_a_negotiating_estimate_is_updated_with_the_old_one_on_the_timeline(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    lifecycle.accept(referral, by=owner, deal_value=1_000_000, currency="JPY",
                     close_date=timezone.localdate() + timedelta(days=30))  # fmt: skip
    client.force_login(owner)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "/update_estimate/" in page
    new_date = timezone.localdate() + timedelta(days=90)
    response = post(client, referral, "update_estimate", deal_value="1500000", currency="USD", close_date=new_date)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.deal_value, referral.currency, referral.close_date) == (1_500_000, "USD", new_date)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Estimate updated" in page and "Previous estimate" in page and "¥1,000,000" in page
    # In the past, the estimate is refused with the page's message; on a won deal it is a conflict.
    refused = post(client, referral, "update_estimate", deal_value="2", currency="USD", close_date="2020-01-01")
    assert "cannot be in the past" in refused.content.decode()
    lifecycle.mark_won(referral, by=owner, final_value=1_400_000, currency="USD")
    with pytest.raises(lifecycle.ReferralConflict):
        lifecycle.update_estimate(referral, by=owner, deal_value=1, currency="USD", close_date=new_date)


def test_the_dashboard_flags_deals_whose_close_date_passed(client, owner, partner, time_machine):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    lifecycle.accept(referral, by=owner, deal_value=800_000, currency="JPY",
                     close_date=timezone.localdate() + timedelta(days=3))  # fmt: skip
    client.force_login(owner)
    assert "Close date passed" not in client.get(reverse("referrals:dashboard")).content.decode()
    time_machine.move_to(timezone.now() + timedelta(days=5))
    client.force_login(owner)  # a session lasts SESSION_MAX_HOURS
    page = client.get(reverse("referrals:dashboard")).content.decode()
    assert "Close date passed" in page and f"#{referral.pk}" in page.split("Close date passed", 1)[1]


def test_a_location_user_cannot_name_another_locations_referral_as_the_duplicate(partner, owner):
    from tests.factories import scoped_user

    here, there = location_with_contact(partner), location_with_contact(partner)
    user = scoped_user(partner, here)
    elsewhere = make_referral(location=there)
    mine = make_referral(location=here)
    with pytest.raises(lifecycle.ValidationError):
        lifecycle.mark_not_interested(mine, by=user, reason="duplicate", duplicate_of=elsewhere.pk)
