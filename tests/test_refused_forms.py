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


def _switch_language(client, page: str, language: str):
    response = client.post(reverse("set_language"), {"language": language, "next": page}, **BROWSER)
    assert response.status_code == 302 and response["Location"] == page
    return client.get(page)


def test_switching_language_shows_the_refused_action_again_in_that_language(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    client.force_login(owner)
    detail = reverse("referrals:detail", args=[referral.pk])
    data = {"expected_state": "evaluating", "deal_value": "-5", "currency": "JPY", "close_date": "2099-01-01"}
    client.post(reverse("referrals:act", args=[referral.pk, "accept"]), data, **BROWSER)
    assert client.get(detail).status_code == 400
    events = referral.events.count()
    shown = _switch_language(client, detail, "ja")
    page = shown.content.decode()
    assert shown.status_code == 400 and 'lang="ja"' in page and 'value="-5"' in page
    assert "0より大きい金額を入力してください" in page, "the error in the new language"
    assert "no-store" in shown["Cache-Control"]
    shown = _switch_language(client, detail, "en")  # and back again
    assert shown.status_code == 400 and "Enter an amount greater than zero." in shown.content.decode()
    referral.refresh_from_db()
    assert referral.state == "evaluating" and referral.events.count() == events, "nothing done by showing it again"
    assert client.get(detail).status_code == 200  # a plain visit shows the referral as it is


def test_switching_language_keeps_what_the_customer_typed_but_no_password(client, partner):
    from tests.factories import location_with_contact, rfi_form_data

    location = location_with_contact(partner)
    data = rfi_form_data([location], need="", contact_name="Hanako Yamada")
    url = reverse("rfi_new") + f"?locations={location.pk}"
    shown_at = client.post(url, data, **BROWSER)["Location"]
    client.get(shown_at)
    shown = _switch_language(client, shown_at, "ja")
    page = shown.content.decode()
    assert shown.status_code == 400 and 'lang="ja"' in page and 'value="Hanako Yamada"' in page
    assert '<div class="error" id="id_need_error">この項目は必須です。</div>' in page


def test_a_refused_password_is_not_kept_to_be_shown_again(rf):
    """No page of the portal answers a password form with a 400 at an ordinary address (the
    invitation's is a secret, not kept at all), so the middleware is driven on its own here."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponseBadRequest

    from common.middleware import RefusedFormRedirect

    typed = {
        "username": "ken",
        "password1": "a-long-pass-2026!",
        "new_password2": "pass-2026?",
        "csrfmiddlewaretoken": "x",
    }
    request = rf.post("/account/somewhere/", typed, **BROWSER)
    request.session = SessionStore()
    middleware = RefusedFormRedirect(lambda request: HttpResponseBadRequest("<p>refused</p>"))
    assert middleware(request).status_code == 303
    kept = request.session["refused_page"]
    assert "username=ken" in kept["data"] and "pass-2026" not in kept["data"] and "csrf" not in kept["data"]


def test_a_language_switch_elsewhere_does_not_bring_the_refused_form_back(client, owner, partner):
    referral = make_referral(partner)
    client.force_login(owner)
    detail = reverse("referrals:detail", args=[referral.pk])
    client.post(
        reverse("referrals:act", args=[referral.pk, "mark_not_interested"]), {"expected_state": "new"}, **BROWSER
    )
    client.get(detail)
    dashboard = reverse("referrals:dashboard")
    assert _switch_language(client, dashboard, "ja").status_code == 200
    assert client.get(detail).status_code == 200


def test_a_refused_form_that_would_pass_by_now_is_not_carried_out_by_a_language_switch(
    client, owner, partner, django_capture_on_commit_callbacks
):
    from outbox.models import OutboundEmail
    from profiles.models import Invitation
    from tests.factories import UserFactory

    colleague = UserFactory(partner=partner, email="ken@sakura.example")
    client.force_login(owner)
    team_page = reverse("profiles:team")
    refused = client.post(team_page, {"language": "en", "role": "admin", "email": "ken@sakura.example"}, **BROWSER)
    assert refused.status_code == 303 and "already signs in" in client.get(team_page).content.decode()
    colleague.email = "ken@elsewhere.example"  # the reason it was refused is gone
    colleague.save()
    emails = OutboundEmail.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shown = _switch_language(client, team_page, "ja")
    page = shown.content.decode()
    assert shown.status_code == 200 and 'lang="ja"' in page and 'value="ken@sakura.example"' in page, "filled in"
    assert not Invitation.objects.exists() and OutboundEmail.objects.count() == emails and not callbacks
