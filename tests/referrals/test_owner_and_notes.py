"""A referral's owner among the partner's colleagues who see it, internal notes, and a timeline
that shows what each step recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from referrals import lifecycle, rfis
from referrals.models import EventAction
from tests.factories import ContactFactory, LocationFactory, RFIFactory, UserFactory, make_referral, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(partner):
    tokyo = LocationFactory(profile__partner=partner, name="Tokyo HQ")
    osaka = LocationFactory(profile=tokyo.profile, name="Osaka office")
    for location in (tokyo, osaka):
        ContactFactory(location=location)
    return tokyo, osaka


def act(client, referral, action, **data):
    referral.refresh_from_db()
    return client.post(reverse("referrals:act", args=[referral.pk, action]), {"expected_state": referral.state, **data})


def test_an_admin_assigns_a_colleague_who_is_emailed_and_finds_it_assigned_to_them(
    client, owner, partner, offices, django_capture_on_commit_callbacks
):
    tokyo, _osaka = offices
    ken = scoped_user(partner, tokyo, username="ken", email="ken@sakura.example", language="ja")
    referral = make_referral(partner, location=tokyo)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, referral, "assign", owner=ken.pk, note="Please call them this week")
    assert response.status_code == 302
    [email] = [message for message in mail.outbox if message.to == ["ken@sakura.example"]]
    assert f"#{referral.pk}" in email.subject and "割り当て" in email.subject  # in Ken's language
    assert "Please call them this week" in email.body

    client.force_login(ken)
    mine = client.get(reverse("referrals:list"), {"tab": "new", "owner": "me"}).content.decode()
    assert f'href="/referrals/{referral.pk}/"' in mine
    unassigned = client.get(reverse("referrals:list"), {"tab": "new", "owner": "none"}).content.decode()
    assert f'href="/referrals/{referral.pk}/"' not in unassigned
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'id="owner">ken<' in page and "Please call them this week" in page


def test_the_owner_must_see_the_referral(client, owner, partner, offices):
    tokyo, osaka = offices
    in_osaka = scoped_user(partner, osaka, username="aki")
    referral = make_referral(partner, location=tokyo)
    client.force_login(owner)
    response = act(client, referral, "assign", owner=in_osaka.pk)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    referral.refresh_from_db()
    assert referral.owner is None
    with pytest.raises(Exception, match="sees this referral"):
        lifecycle.assign(referral, by=owner, owner=UserFactory(username="stranger"))  # another partner's user


def test_notes_are_internal_and_on_the_timeline(client, owner, outsider, partner, offices):
    tokyo, _osaka = offices
    referral = make_referral(partner, location=tokyo)
    client.force_login(owner)
    assert act(client, referral, "add_note", note="Budget confirmed by phone").status_code == 302
    assert act(client, referral, "add_note", note="   ").status_code == 400  # empty: explained, nothing added
    assert list(referral.events.filter(action=EventAction.ADD_NOTE).values_list("note", flat=True)) == [
        "Budget confirmed by phone"
    ]
    assert "Budget confirmed by phone" in client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    # Never the customer's, nor another partner's.
    status = client.get(reverse("rfi_status", args=[referral.rfi.status_token])).content.decode()
    assert "Budget confirmed" not in status
    client.force_login(outsider)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert act(client, referral, "add_note", note="Sneaky").status_code == 404


def test_the_timeline_shows_what_each_step_recorded(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    close = timezone.localdate().replace(year=timezone.localdate().year + 1)
    lifecycle.accept(referral, by=owner, deal_value=Decimal("4800000"), currency="JPY", close_date=close)
    lifecycle.mark_lost(referral, by=owner, reason="competitor", note="Went with a bigger firm")
    client.force_login(owner)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "¥4,800,000" in page and str(close.year) in page
    assert "Chose a competitor" in page and "Went with a bigger firm" in page


def test_a_locations_default_owner_gets_its_new_referrals(partner, offices):
    tokyo, _osaka = offices
    ken = scoped_user(partner, tokyo, username="ken")
    tokyo.default_owner = ken
    tokyo.save()
    [referral] = rfis.refer(RFIFactory(), [tokyo])
    assert referral.owner == ken
    assert referral.events.get().details == {"owner": "ken"}
