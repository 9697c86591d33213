"""Headers every page carries: no inline scripts, no framing, no sniffing."""

import pytest
from django.urls import reverse

from referrals import lifecycle
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/accounts/login/", "/partners/", "/admin/login/"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_state_changes_need_a_csrf_token(owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = strict.post(reverse("logout"))
    assert response.status_code == 403


def test_pages_with_personal_data_are_never_cached(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    assert "no-store" in client.get(reverse("rfi_status", args=[referral.rfi.status_token]))["Cache-Control"]
    client.force_login(owner)
    for url in (
        reverse("referrals:detail", args=[referral.pk]),
        reverse("referrals:export"),
        reverse("referrals:list"),
        reverse("referrals:dashboard"),
        reverse("insights"),
    ):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_the_language_cookie_is_secure_in_production(client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
