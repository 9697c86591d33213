"""The portal's own error pages, in the reader's language with a way back; and refused forms
whose messages are tied to their fields, summed up first on the page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from referrals import lifecycle
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "way_back"),
    [("en", "Page not found", "Go to the start page"), ("ja", "ページが見つかりません", "スタートページへ")],
)
def test_a_missing_page_is_the_portals_own_in_the_readers_language(settings, language, heading, way_back):
    settings.DEBUG = False
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert f'<h1 id="error-heading">{heading}</h1>' in page and way_back in page and 'href="/"' in page


def test_another_partners_referral_is_the_same_404_page(client, settings, owner, other_partner):
    settings.DEBUG = False
    client.force_login(owner)
    response = client.get(reverse("referrals:detail", args=[make_referral(other_partner).pk]))
    assert response.status_code == 404 and "Page not found" in response.content.decode()
    assert "Your customer referrals" in response.content.decode()  # the signed-in partner's way back


def test_a_server_error_page_says_nothing_was_half_done(settings):
    settings.DEBUG = False
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong" in page and "Nothing was half-done" in page


def test_a_refused_field_is_described_by_its_message_and_summed_up_first(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    client.force_login(owner)
    response = client.post(
        reverse("referrals:act", args=[referral.pk, "accept"]),
        {"expected_state": "evaluating", "deal_value": "-5", "currency": "JPY", "close_date": "2099-01-01"},
    )
    page = response.content.decode()
    widget = re.search(r'<input[^>]*name="deal_value"[^>]*>', page)[0]
    described_by = re.search(r'aria-describedby="([^"]+)"', widget)[1]
    message = re.search(rf'<div class="error" id="{described_by}">([^<]*)</div>', page)
    assert message and message[1] == "Enter an amount greater than zero."
    assert 'aria-invalid="true"' in widget
    summary = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "autofocus" in page.split('id="error-summary"', 1)[0].rsplit("<div", 1)[1] + summary
    assert (
        f'href="#{described_by.removesuffix("_error")}"' in summary and "Enter an amount greater than zero." in summary
    )
    assert re.search(r"<title>Error: Referral #\d+", page)


def test_the_partners_pages_say_which_time_zone_their_times_are_in(client, owner, partner):
    referral = make_referral(partner)
    owner.time_zone = "Europe/Berlin"
    owner.save()
    client.force_login(owner)
    for url in (reverse("referrals:list"), reverse("referrals:detail", args=[referral.pk])):
        assert "times in Europe/Berlin" in client.get(url).content.decode()
