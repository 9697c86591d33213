"""Operator staff set up partners in Django admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import BusinessProfile, Contact, Location, PartnerCompany, User
from tests.factories import BusinessProfileFactory, ContactFactory, LocationFactory

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def profile_post(partner: PartnerCompany, *, active: bool, contacts: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "partner": str(partner.pk),
        "region": "JP",
        "headline": "Cloud migrations for manufacturers",
        "description": "",
        "keywords": "azure, migration",
        "solution_areas": ["cloud_infrastructure"],
        "industries": ["manufacturing"],
        "company_sizes": ["medium"],
        "languages": ["ja"],
        **management("locations", 1),
        "locations-0-name": "Tokyo HQ",
        "locations-0-city": "Tokyo",
        "locations-0-address": "",
        "locations-0-postal_code": "",
        "locations-0-is_active": "on",
        **management("locations-0-contacts", len(contacts)),
    }
    if active:
        data["is_active"] = "on"
    for index, contact in enumerate(contacts):
        data.update({f"locations-0-contacts-{index}-{field}": value for field, value in contact.items()})
    return data


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


def test_operator_creates_a_partner_company_with_users(staff_client):
    response = staff_client.post(
        reverse("admin:profiles_partnercompany_add"),
        {
            "name": "Kaede Systems",
            "is_active": "on",
            **management("users", 1),
            "users-0-username": "kaede-admin",
            "users-0-email": "admin@kaede.example",
            "users-0-role": "admin",
            "users-0-language": "ja",
            "users-0-is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="kaede-admin")
    assert user.partner.name == "Kaede Systems"
    assert user.role == "admin"
    assert not user.has_usable_password()  # they set one with a password reset


def test_operator_creates_an_active_profile_with_location_and_contact_on_one_page(staff_client, partner):
    contact = {
        "name": "Aoi Tanaka",
        "email": "aoi@kaede.example",
        "phone": "+81 3-1111-2222",
        "language": "ja",
        "receives_referrals": "on",
    }
    response = staff_client.post(
        reverse("admin:profiles_businessprofile_add"), profile_post(partner, active=True, contacts=[contact])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = BusinessProfile.objects.get(partner=partner)
    assert profile.is_active
    assert profile.solution_areas == ["cloud_infrastructure"]
    assert Contact.objects.get(location__profile=profile).email == "aoi@kaede.example"


def test_an_active_profile_without_a_contact_is_refused_with_a_reason(staff_client, partner):
    response = staff_client.post(
        reverse("admin:profiles_businessprofile_add"), profile_post(partner, active=True, contacts=[])
    )
    assert response.status_code == 200
    assert "An active profile needs at least one active location with a contact" in response.content.decode()
    assert not BusinessProfile.objects.exists()
    assert not Location.objects.exists()


def test_an_active_profile_whose_contacts_all_opted_out_is_refused(staff_client, partner):
    contact = {"name": "Aoi Tanaka", "email": "aoi@kaede.example", "phone": "", "language": "ja"}  # box unticked
    response = staff_client.post(
        reverse("admin:profiles_businessprofile_add"), profile_post(partner, active=True, contacts=[contact])
    )
    assert response.status_code == 200
    assert "with a contact who receives the new-referral emails" in response.content.decode()
    assert not BusinessProfile.objects.exists()


def test_an_inactive_profile_may_wait_for_its_contacts(staff_client, partner):
    response = staff_client.post(
        reverse("admin:profiles_businessprofile_add"), profile_post(partner, active=False, contacts=[])
    )
    assert response.status_code == 302
    assert BusinessProfile.objects.get(partner=partner).is_active is False


def test_a_contact_needs_a_valid_email_and_phone(staff_client, partner):
    contact = {"name": "Bad", "email": "not-an-email", "phone": "call me", "language": "ja"}
    response = staff_client.post(
        reverse("admin:profiles_businessprofile_add"), profile_post(partner, active=False, contacts=[contact])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "Enter a phone number of digits" in page
    assert not BusinessProfile.objects.exists()


def test_the_activate_action_refuses_a_profile_nobody_can_be_reached_at(staff_client, partner):
    ready = BusinessProfileFactory(partner=partner, region="JP", is_active=False)
    ContactFactory(location=LocationFactory(profile=ready))
    empty = BusinessProfileFactory(partner=partner, region="US", is_active=False)
    response = staff_client.post(
        reverse("admin:profiles_businessprofile_changelist"),
        {"action": "activate", "_selected_action": [ready.pk, empty.pk]},
        follow=True,
    )
    ready.refresh_from_db()
    empty.refresh_from_db()
    assert (ready.is_active, empty.is_active) == (True, False)
    assert "Activated 1 profile." in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "profiles_partnercompany",
        "profiles_user",
        "profiles_businessprofile",
        "profiles_location",
        "referrals_referral",
        "referrals_rfi",
        "referrals_customer",
    ],
)
def test_admin_lists_load(staff_client, name, partner):
    ContactFactory(location=LocationFactory(profile=BusinessProfileFactory(partner=partner)))
    assert staff_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_partner_users_cannot_open_the_admin(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
