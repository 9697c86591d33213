"""The customer's private status page and withdrawal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from outbox.models import OutboundEmail
from referrals import lifecycle, rfis
from referrals.models import State
from tests.factories import RFIFactory, location_with_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def rfi(partner, other_partner):
    rfi = RFIFactory()
    rfis.refer(rfi, [location_with_contact(partner), location_with_contact(other_partner)])
    return rfi


def test_the_status_page_says_where_the_request_stands_with_each_partner(client, rfi, owner):
    skipped = rfi.referrals.get(partner=owner.partner)
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=owner)
    page = client.get(reverse("rfi_status", args=[rfi.status_token])).content.decode()
    assert "Sakura Cloud K.K." in page and "Outsider Systems Ltd." in page
    assert "This partner cannot take it: please choose another partner" in page
    assert "Sent: waiting for the partner&#x27;s answer" in page


def test_the_status_page_speaks_japanese(client, rfi):
    page = client.get(reverse("rfi_status", args=[rfi.status_token]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "パートナーの回答を待っています" in page


def test_withdrawing_disconnects_what_is_still_open_and_tells_the_partners(client, rfi, owner):
    skipped = rfi.referrals.get(partner=owner.partner)
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=owner)
    confirm = client.get(reverse("rfi_withdraw", args=[rfi.status_token]))
    assert "cannot be undone" in confirm.content.decode()
    response = client.post(reverse("rfi_withdraw", args=[rfi.status_token]), follow=True)
    assert "Your request is withdrawn." in response.content.decode()
    states = dict(rfi.referrals.values_list("partner__name", "state"))
    assert states == {"Sakura Cloud K.K.": State.SKIPPED, "Outsider Systems Ltd.": State.DISCONNECTED}
    assert OutboundEmail.objects.filter(template="referral_disconnected").count() == 1
    assert "Withdraw my request" not in response.content.decode()


def test_withdrawing_twice_is_harmless(client, rfi):
    client.post(reverse("rfi_withdraw", args=[rfi.status_token]))
    response = client.post(reverse("rfi_withdraw", args=[rfi.status_token]), follow=True)
    assert "There was nothing left to withdraw." in response.content.decode()


def test_an_unknown_token_is_a_404(client, rfi):
    assert client.get(reverse("rfi_status", args=["guess"])).status_code == 404
    assert client.post(reverse("rfi_withdraw", args=["guess"])).status_code == 404
