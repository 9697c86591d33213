"""A secret address (an invitation, a password-reset link, a customer's private link) never
rests in the session table, where sessions are signed but readable: not when its form is
refused, not when the link is opened."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from tests.factories import make_referral

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_SEC_FETCH_MODE": "navigate"}  # a browser's own navigation: refused forms are kept
RESET_LINK = re.compile(r"/accounts/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")


def sessions_holding(secret: str) -> list[str]:
    return [row.session_key for row in Session.objects.all() if secret in str(row.get_decoded())]


def test_a_refused_invitation_keeps_its_token_out_of_the_session(
    client, owner, partner, django_capture_on_commit_callbacks
):
    from tests.profiles.test_team import invite, link_in_email

    with django_capture_on_commit_callbacks(execute=True):
        invite(client, owner, email="ken@sakura.example", role="admin")
    client.logout()
    link = link_in_email("ken@sakura.example")
    token = link.rstrip("/").rsplit("/", 1)[1]
    typed = {"username": "ken", "password1": "a-long-pass-2026!", "password2": "another-pass-2026?"}
    refused = client.post(link, typed, **BROWSER)
    assert refused.status_code == 400 and "The two passwords differ." in refused.content.decode()  # at once
    assert sessions_holding(token) == []


def test_a_password_reset_link_keeps_its_token_out_of_the_session(client, owner, django_capture_on_commit_callbacks):
    owner.email = "owner@sakura.example"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "owner@sakura.example"})
    [sent] = mail.outbox
    found = RESET_LINK.search(sent.body)
    address, token = found.group(0), found["token"]
    page = client.get(address)
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()  # the form, at the link
    refused = client.post(address, {"new_password1": "a-new-pass-2026!", "new_password2": "typo"}, **BROWSER)
    assert refused.status_code == 200 and "didn’t match" in refused.content.decode()
    assert sessions_holding(token) == []
    done = client.post(address, {"new_password1": "a-new-pass-2026!", "new_password2": "a-new-pass-2026!"})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert "expired or was already used" in client.get(address).content.decode()  # used once only


def test_a_customers_refused_second_request_keeps_the_private_link_out_of_the_session(client, partner):
    referral = make_referral(partner)
    token = referral.rfi.status_token
    again = reverse("rfi_another", args=[token, referral.location_id])  # the partner that has it already
    refused = client.post(again, **BROWSER)
    assert refused.status_code == 400 and "already has this request" in refused.content.decode()
    assert sessions_holding(token) == []
