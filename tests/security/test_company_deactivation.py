"""A partner company the operator deactivates loses the portal at once: pages, exports and the
sessions its users had open."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def test_deactivating_a_company_ends_its_users_access_and_sessions(client, partner, owner):
    referral = make_referral(partner)
    assert client.post(reverse("login"), {"username": "owner", "password": "pw-for-tests-1"}).status_code == 302
    key = client.cookies["sessionid"].value
    for url in (
        reverse("referrals:dashboard"),
        reverse("referrals:export"),
        reverse("referrals:detail", args=[referral.pk]),
    ):
        assert client.get(url).status_code == 200

    partner.is_active = False
    partner.save()

    for url in (
        reverse("referrals:dashboard"),
        reverse("referrals:export"),
        reverse("referrals:detail", args=[referral.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert not Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("referrals:act", args=[referral.pk, "mark_interested"]), {"expected_state": "new"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    referral.refresh_from_db()
    assert referral.state == "new"
    # Nor can they sign in again.
    refused = client.post(reverse("login"), {"username": "owner", "password": "pw-for-tests-1"})
    assert refused.status_code == 200 and "correct username and password" in refused.content.decode()
