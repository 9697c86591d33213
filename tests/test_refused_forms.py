"""Post/redirect/get for refused forms: a browser that reloads the page does not post again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals import lifecycle
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_SEC_FETCH_MODE": "navigate"}


def test_a_refused_action_redirects_to_the_referral_with_errors_and_input_kept_once(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    client.force_login(owner)
    detail = reverse("referrals:detail", args=[referral.pk])
    data = {"expected_state": "evaluating", "deal_value": "-5", "currency": "JPY", "close_date": "2099-01-01"}
    response = client.post(reverse("referrals:act", args=[referral.pk, "accept"]), data, **BROWSER)
    assert response.status_code == 303 and response["Location"] == detail
    shown = client.get(detail)
    assert shown.status_code == 400
    page = shown.content.decode()
    assert "Enter an amount greater than zero." in page and 'value="-5"' in page
    assert "no-store" in shown["Cache-Control"]
    # Reloaded: the referral's page as it is, nothing posted again.
    again = client.get(detail)
    assert again.status_code == 200 and "Enter an amount greater than zero." not in again.content.decode()
    referral.refresh_from_db()
    assert referral.state == "evaluating"


def test_a_refused_page_is_shown_only_at_its_own_address(client, owner, partner):
    referral = make_referral(partner)
    client.force_login(owner)
    client.post(
        reverse("referrals:act", args=[referral.pk, "mark_not_interested"]), {"expected_state": "new"}, **BROWSER
    )
    assert "Please correct the fields" not in client.get(reverse("referrals:dashboard")).content.decode()
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200  # dropped on the way


def test_without_a_browser_navigation_the_400_comes_directly(client, owner, partner):
    referral = make_referral(partner)
    client.force_login(owner)
    response = client.post(
        reverse("referrals:act", args=[referral.pk, "mark_not_interested"]), {"expected_state": "new"}
    )
    assert response.status_code == 400 and "Please correct the fields" in response.content.decode()


def test_the_customer_request_form_keeps_what_was_typed(client, partner):
    from tests.factories import location_with_contact, rfi_form_data

    location = location_with_contact(partner)
    data = rfi_form_data([location], need="", contact_name="Hanako Yamada")
    url = reverse("rfi_new") + f"?locations={location.pk}"
    response = client.post(url, data, **BROWSER)
    assert response.status_code == 303
    shown = client.get(response["Location"])
    assert shown.status_code == 400 and 'value="Hanako Yamada"' in shown.content.decode()
