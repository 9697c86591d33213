"""A partner's referral admins run their team: invitations by email (7 days, single use, for
that partner), roles and locations, deactivation, always one active admin, every change recorded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from profiles.models import Invitation, PartnerChange, User
from tests.factories import ContactFactory, LocationFactory, UserFactory, make_referral

pytestmark = pytest.mark.django_db

INVITE_LINK = re.compile(r"http://[^\s]+(/account/invitations/[^/\s]+/)")


@pytest.fixture
def offices(partner):
    tokyo = LocationFactory(profile__partner=partner, name="Tokyo HQ")
    osaka = LocationFactory(profile=tokyo.profile, name="Osaka office")
    for location in (tokyo, osaka):
        ContactFactory(location=location)
    return tokyo, osaka


def invite(client, owner, **data):
    client.force_login(owner)
    return client.post(reverse("profiles:team"), {"language": "en", "role": "user", **data})


def link_in_email(address: str) -> str:
    [email] = [message for message in mail.outbox if message.to == [address]]
    return INVITE_LINK.search(email.body).group(1)


def test_an_invited_colleague_sets_a_password_and_sees_their_location(
    client, owner, offices, partner, django_capture_on_commit_callbacks
):
    tokyo, osaka = offices
    in_tokyo, in_osaka = make_referral(partner, location=tokyo), make_referral(partner, location=osaka)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, owner, email="ken@sakura.example", locations=[tokyo.pk])
    assert response.status_code == 302
    link = link_in_email("ken@sakura.example")
    row = OutboundEmail.objects.get(template="invitation")
    assert link not in row.body_text + row.body_html + row.dedupe_key  # the outbox keeps no working link

    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Sakura Cloud K.K." in page.content.decode()
    joined = client.post(
        link, {"username": "ken", "password1": "a-long-pass-2026!", "password2": "a-long-pass-2026!"}, follow=True
    )
    assert joined.redirect_chain[-1][0] == reverse("referrals:dashboard")
    ken = User.objects.get(username="ken")
    assert (ken.partner, ken.role, list(ken.locations.all())) == (partner, "user", [tokyo])
    assert client.get(reverse("referrals:detail", args=[in_tokyo.pk])).status_code == 200
    assert client.get(reverse("referrals:detail", args=[in_osaka.pk])).status_code == 404

    # Single use: the same link again says so.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "already used" in again.content.decode()


def test_an_expired_or_withdrawn_invitation_says_why_in_the_invitees_language(
    client, owner, offices, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, owner, email="late@sakura.example", role="admin")
    link = link_in_email("late@sakura.example")
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        expired = client.get(link, HTTP_ACCEPT_LANGUAGE="ja")
        assert expired.status_code == 410 and "有効期限が切れています" in expired.content.decode()
        refused = client.post(
            link, {"username": "late", "password1": "a-long-pass-2026!", "password2": "a-long-pass-2026!"}
        )
        assert refused.status_code == 410 and not User.objects.filter(username="late").exists()
    invitation = Invitation.objects.get()
    client.force_login(owner)
    client.post(reverse("profiles:withdraw_invitation", args=[invitation.pk]))
    client.logout()
    assert "withdrawn" in client.get(link).content.decode()


def test_an_invitation_opened_while_signed_in_as_someone_else_asks_to_sign_out(
    client, owner, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, owner, email="new@sakura.example", role="admin")
    link = link_in_email("new@sakura.example")
    client.force_login(outsider)
    response = client.post(
        link, {"username": "new", "password1": "a-long-pass-2026!", "password2": "a-long-pass-2026!"}
    )
    assert response.status_code == 409 and "signed in as outsider" in response.content.decode()
    assert not User.objects.filter(username="new").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "x@sakura.example", "role": "user"}, "A referral user needs at least one location"),
        (
            {"email": "owner@partner.example", "role": "admin"},
            "Someone on your team already signs in with this address.",
        ),
    ],
)
def test_a_bad_invitation_is_explained_and_nothing_is_sent(client, owner, offices, data, message):
    response = invite(client, owner, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Invitation.objects.exists() and not OutboundEmail.objects.filter(template="invitation").exists()


def test_weak_passwords_and_taken_usernames_are_explained(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, owner, email="aoi@sakura.example", role="admin")
    link = link_in_email("aoi@sakura.example")
    client.logout()
    weak = client.post(link, {"username": "aoi", "password1": "123", "password2": "123"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    taken = client.post(link, {"username": "owner", "password1": "a-long-pass-2026!", "password2": "a-long-pass-2026!"})
    assert taken.status_code == 400
    assert Invitation.objects.get().accepted_at is None


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, owner, offices):
    client.force_login(owner)
    for data in ({"role": "user", "locations": [offices[0].pk], "is_active": "on"}, {"role": "admin"}):
        response = client.post(reverse("profiles:member", args=[owner.pk]), data)
        assert response.status_code == 400
        assert "at least one active referral admin" in response.content.decode()
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == ("admin", True)


def test_a_role_change_and_a_deactivation_take_effect_on_the_next_request(client, owner, partner, offices):
    tokyo, osaka = offices
    colleague = UserFactory(partner=partner, role="user", username="aoi")
    colleague.locations.set([tokyo])
    in_osaka = make_referral(partner, location=osaka)
    other = client.__class__()
    other.force_login(colleague)
    assert other.get(reverse("referrals:detail", args=[in_osaka.pk])).status_code == 404

    client.force_login(owner)
    client.post(reverse("profiles:member", args=[colleague.pk]), {"role": "admin", "is_active": "on"})
    assert other.get(reverse("referrals:detail", args=[in_osaka.pk])).status_code == 200

    client.post(reverse("profiles:member", args=[colleague.pk]), {"role": "admin"})  # "May sign in" unticked
    response = other.get(reverse("referrals:detail", args=[in_osaka.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_every_team_change_is_recorded_for_the_admins_and_the_operator(client, owner, operator, partner, offices):
    colleague = UserFactory(partner=partner, role="admin", username="aoi")
    client.force_login(owner)
    client.post(
        reverse("profiles:member", args=[colleague.pk]),
        {"role": "user", "locations": [offices[0].pk], "is_active": "on"},
    )
    change = PartnerChange.objects.get(subject="Team member: aoi")
    assert change.actor == owner
    assert change.changes["Role"] == ["Referral admin", "Referral user"]
    assert change.changes["Locations"] == ["", "Tokyo HQ"]
    page = client.get(reverse("profiles:changes")).content.decode()
    assert "Team member: aoi" in page and "Referral user" in page
    client.force_login(operator)
    assert "Team member: aoi" in client.get(reverse("admin:profiles_partnerchange_changelist")).content.decode()
