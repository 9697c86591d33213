"""A customer's request for information: validation, spam limits, and what it creates."""

from __future__ import annotations

from functools import partial

import pytest
from django.core import mail
from django.urls import reverse

from outbox.models import OutboundEmail
from referrals.models import RFI, Referral
from tests.factories import location_with_contact, rfi_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_locations(partner, other_partner):
    return location_with_contact(partner), location_with_contact(other_partner)


form_data = rfi_form_data


def test_one_rfi_to_two_partners_makes_two_referrals_and_tells_everyone(
    client, two_locations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rfi_new"), form_data(two_locations), HTTP_ACCEPT_LANGUAGE="ja")
    rfi = RFI.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(reverse("rfi_sent"))
    assert rfi.status_token not in response["Location"]  # the private link goes by email only
    assert rfi.source == "search" and rfi.customer.language == "ja" and rfi.consent_to_share
    assert sorted(r.location_id for r in rfi.referrals.all()) == sorted(location.pk for location in two_locations)
    assert OutboundEmail.objects.filter(template="new_referral").count() == 2
    [confirmation] = [message for message in mail.outbox if message.to == ["hanako@yamada.example"]]
    assert rfi.status_token in confirmation.body and rfi.status_token in confirmation.alternatives[0][0]
    assert "情報請求" in confirmation.subject
    thanks = client.get(response["Location"]).content.decode()
    assert all(f"({location.name})" in thanks for location in two_locations)


def test_confirmations_to_one_address_are_limited_but_the_requests_go_through(client, two_locations, settings):
    settings.RFI_CONFIRMATIONS_PER_ADDRESS = 2
    for _ in range(3):
        assert (
            client.post(reverse("rfi_new"), form_data(two_locations[:1], email="Victim@Example.com")).status_code == 302
        )
    assert RFI.objects.count() == 3
    assert OutboundEmail.objects.filter(template="new_referral").count() == 3  # the partners hear of each
    # The same mailbox, however its address is written.
    assert OutboundEmail.objects.filter(template="rfi_received").count() == 2
    client.post(reverse("rfi_new"), form_data(two_locations[:1], email="victim@example.com"))
    assert OutboundEmail.objects.filter(template="rfi_received").count() == 2


def test_the_form_opens_with_the_chosen_partners_and_the_needs_from_the_search(client, two_locations):
    response = client.get(
        reverse("rfi_new"), {"location": [two_locations[0].pk, ""], "solution_area": "security", "region": "JP"}
    )
    assert [location.pk for location in response.context["chosen"]] == [two_locations[0].pk]
    assert response.context["form"]["solution_area"].value() == "security"


@pytest.mark.parametrize(
    ("language", "overrides", "message"),
    [
        ("en", {"email": "not-an-email"}, "Enter a valid email address."),
        ("ja", {"email": "not-an-email"}, "有効なメールアドレスを入力してください。"),
        ("en", {"need": "  "}, "This field is required."),
        ("en", {"need": "short"}, "Describe your need in at least 10 characters."),
        ("ja", {"need": "短い"}, "ご要望を10文字以上でご記入ください。"),
        ("en", {"need": "x" * 4001}, "at most 4000 characters"),
        ("en", {"consent": ""}, "The partners can only answer if they may contact you: please agree."),
        ("ja", {"consent": ""}, "パートナーが連絡できるよう、同意してください。"),
        ("en", {"phone": "call me maybe"}, "Enter a phone number of digits"),
        ("en", {"locations": []}, "Choose at least one partner."),
        ("ja", {"locations": []}, "パートナーを1社以上選んでください。"),
    ],
)
def test_bad_input_is_explained_in_the_customers_language_and_nothing_is_lost(
    client, two_locations, language, overrides, message
):
    data = form_data(two_locations, **overrides)
    response = client.post(reverse("rfi_new"), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert not RFI.objects.exists() and not Referral.objects.exists()
    # What the customer typed is still there.
    if overrides.get("need", "x")[:1] != "x" and "need" not in overrides:
        assert "基幹システムをクラウドに移行したい。" in page
    assert 'value="山田製作所"' in page


def test_two_locations_of_one_partner_are_refused(client, partner):
    first, second = location_with_contact(partner), location_with_contact(partner)
    response = client.post(reverse("rfi_new"), form_data([first, second]))
    assert "Choose one location for each partner." in response.content.decode()
    assert not RFI.objects.exists()


def test_more_partners_than_allowed_are_refused(client, settings):
    settings.RFI_MAX_PARTNERS = 2
    locations = [location_with_contact() for _ in range(3)]
    response = client.post(reverse("rfi_new"), form_data(locations))
    assert "Choose at most 2 partners for one request." in response.content.decode()


def test_html_is_shown_as_text_never_run(client, two_locations):
    response = client.post(
        reverse("rfi_new"), form_data(two_locations, need="<script>alert('x')</script> please help", consent="")
    )
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_the_honeypot_swallows_bots(client, two_locations):
    response = client.post(reverse("rfi_new"), form_data(two_locations, website="http://spam.example"), follow=True)
    assert response.status_code == 200
    assert "We received your request." in response.content.decode()
    assert not RFI.objects.exists() and not OutboundEmail.objects.exists()


def test_a_client_sending_too_many_requests_is_stopped_for_an_hour(client, two_locations, settings):
    settings.RFI_RATE_LIMIT = 3
    for _ in range(3):
        assert client.post(reverse("rfi_new"), form_data(two_locations)).status_code == 302
    response = client.post(reverse("rfi_new"), form_data(two_locations), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 429
    assert "1時間" in response.content.decode()
    assert RFI.objects.count() == 3
    # Another client is not affected.
    assert client.post(reverse("rfi_new"), form_data(two_locations), REMOTE_ADDR="10.9.8.7").status_code == 302


def test_refused_forms_do_not_count_against_the_limit(client, two_locations, settings):
    settings.RFI_RATE_LIMIT = 2
    for _ in range(5):  # a customer fixing typos
        assert client.post(reverse("rfi_new"), form_data(two_locations, email="not-an-email")).status_code == 400
    for _ in range(2):
        assert client.post(reverse("rfi_new"), form_data(two_locations)).status_code == 302
    assert client.post(reverse("rfi_new"), form_data(two_locations)).status_code == 429


def test_behind_the_proxy_each_customer_has_their_own_limit(client, two_locations, settings):
    """The TLS proxy of README's Production section connects for everyone and appends the
    client's address to X-Forwarded-For; a client cannot escape its limit by writing that
    header itself."""
    settings.RFI_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert client.post(reverse("rfi_new"), form_data(two_locations), **first).status_code == 302
    assert client.post(reverse("rfi_new"), form_data(two_locations), **first).status_code == 429
    spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    assert client.post(reverse("rfi_new"), form_data(two_locations), **spoofed).status_code == 429
    another = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.50"}
    assert client.post(reverse("rfi_new"), form_data(two_locations), **another).status_code == 302


def test_an_ipv6_client_is_one_client_across_its_network(client, two_locations, settings):
    settings.RFI_RATE_LIMIT = 1
    post = partial(client.post, reverse("rfi_new"), form_data(two_locations))
    assert post(REMOTE_ADDR="2001:db8:1:2::10").status_code == 302
    assert post(REMOTE_ADDR="2001:db8:1:2::99").status_code == 429  # another address of the same /64
    assert post(REMOTE_ADDR="2001:db8:1:3::10").status_code == 302
