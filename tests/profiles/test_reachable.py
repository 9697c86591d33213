"""One rule for who can receive a referral: an active location of an active profile of an active
partner, with at least one contact who receives the new-referral emails. Search, the request
form, the operator's form, the actions and the profile's activation all follow it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from profiles.models import Location
from referrals import rfis
from referrals.models import RFI
from tests.factories import ContactFactory, LocationFactory, RFIFactory, location_with_contact, rfi_form_data

pytestmark = pytest.mark.django_db

OPERATOR_RFI = {
    "source": "marketing",
    "contact_name": "Hanako Yamada",
    "company_name": "Yamada Seisakusho",
    "email": "hanako@yamada.example",
    "language": "ja",
    "need": "Webinar lead: wants a cloud migration assessment.",
    "solution_area": "cloud_infrastructure",
    "company_size": "medium",
    "industry": "manufacturing",
    "region": "JP",
    "budget_range": "unknown",
    "timeline": "quarter",
    "consent_to_share": "on",
}


def unreachable_locations(partner):
    """Each way a location cannot receive a referral."""
    no_contact = LocationFactory(profile__partner=partner, name="No contact")
    silent = LocationFactory(profile=no_contact.profile, name="Contacts who opted out")
    ContactFactory(location=silent, receives_referrals=False)
    closed = location_with_contact(partner)
    closed.is_active = False
    closed.save()
    return [no_contact, silent, closed]


def test_the_operator_cannot_send_a_request_to_a_location_nobody_hears_from(client, operator, partner):
    client.force_login(operator)
    for location in unreachable_locations(partner):
        response = client.post(reverse("admin:referrals_rfi_add"), {**OPERATOR_RFI, "locations": [location.pk]})
        assert response.status_code == 200, location.name  # the form again, with its error
        assert "Select a valid choice" in response.content.decode(), location.name
    assert not RFI.objects.exists()


def test_the_actions_refuse_a_location_nobody_hears_from(partner):
    for location in unreachable_locations(partner):
        with pytest.raises(ValidationError, match="no longer takes requests"):
            rfis.refer(RFIFactory(), [location])


def test_customers_neither_find_nor_choose_a_location_nobody_hears_from(client, partner):
    locations = unreachable_locations(partner)
    response = client.post(reverse("rfi_new"), rfi_form_data(locations[:1]))
    assert response.status_code == 400 and not RFI.objects.exists()
    assert set(Location.objects.reachable()) == set()
    reachable = location_with_contact(partner)
    assert set(Location.objects.reachable()) == {reachable}


def test_contacts_who_opted_out_get_no_new_referral_email(partner):
    location = location_with_contact(partner, email="sales@partner.example")
    ContactFactory(location=location, email="accounting@partner.example", receives_referrals=False)
    [referral] = rfis.refer(RFIFactory(), [location])
    assert [email.to_email for email in referral.emails.filter(template="new_referral")] == ["sales@partner.example"]
