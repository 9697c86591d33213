"""The demo data ./dev run loads: every state for Sakura Cloud, the logins the README lists, and
a second run that changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from profiles.models import User
from referrals import tally
from referrals.models import Referral, State

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_has_a_referral_in_every_state_and_runs_again_unchanged():
    output = seed()
    assert "Demo data is ready." in output
    sakura = User.objects.get(username="sakura").partner
    states = set(Referral.objects.filter(partner=sakura).values_list("state", flat=True))
    assert states == set(State)
    before = list(Referral.objects.order_by("pk").values_list("pk", "state"))
    seed()
    assert list(Referral.objects.order_by("pk").values_list("pk", "state")) == before
    assert tally.running([sakura.pk]) == tally.recounted([sakura.pk])


def sign_in(client, username: str, password: str) -> bool:
    client.logout()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def test_every_login_the_command_prints_signs_in(client):
    output = seed()
    printed = [line.split()[0] for line in output.splitlines() if line.startswith("  ")]
    assert len(printed) >= 5
    for username in printed:
        assert sign_in(client, username, "demo-pass-2026"), username
    assert sign_in(client, "operator", "operator-pass-2026")


def test_every_demo_partner_has_an_admin_and_a_referral_user_of_some_of_its_locations(client):
    seed()
    for partner in {user.partner for user in User.objects.filter(partner__isnull=False)}:
        team = list(partner.users.all())
        assert any(user.is_partner_admin for user in team), partner
        scoped = [user for user in team if not user.is_partner_admin]
        assert scoped and all(user.locations.exists() for user in scoped), partner
    # Sakura Cloud's two offices each have their own user, who signs in and sees only theirs.
    osaka = User.objects.get(username="sakura-osaka")
    assert sign_in(client, "sakura-osaka", "demo-pass-2026")
    inbox = client.get(reverse("referrals:list")).content.decode()
    assert "robot telemetry" in inbox
    assert "需要予測" not in inbox and "生産管理" not in inbox
    assert set(Referral.objects.for_user(osaka).values_list("location__name", flat=True)) == {"Osaka office"}
    # The Tokyo user is the default owner of Tokyo's new referrals.
    tokyo = User.objects.get(username="sakura-tokyo")
    assert Referral.objects.get(rfi__customer__company_name="Ito Foods").owner == tokyo
