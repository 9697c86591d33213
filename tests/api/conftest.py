"""A partner with two locations, a referral at each, and keys of every kind."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from profiles.models import Location, PartnerCompany, User
from referrals.models import Referral
from tests.factories import ContactFactory, LocationFactory, UserFactory, api_key, make_referral


@dataclass
class World:
    partner: PartnerCompany
    other_partner: PartnerCompany
    admin: User
    location_a: Location
    location_b: Location
    in_a: Referral
    in_b: Referral
    admin_key: str
    key_a: str  # a referral user's key of location A
    other_key: str  # another partner's admin key


@pytest.fixture
def world(partner, other_partner) -> World:
    admin = UserFactory(username="aoi", first_name="Aoi", partner=partner, role="admin")
    location_a = LocationFactory(profile__partner=partner, name="Tokyo HQ")
    location_b = LocationFactory(profile=location_a.profile, name="Osaka office")
    for location in (location_a, location_b):
        ContactFactory(location=location)
    outsider = UserFactory(partner=other_partner, role="admin")
    return World(
        partner=partner,
        other_partner=other_partner,
        admin=admin,
        location_a=location_a,
        location_b=location_b,
        in_a=make_referral(location=location_a, need="Move our ERP to the cloud."),
        in_b=make_referral(location=location_b, need="Analytics for Osaka stores."),
        admin_key=api_key(admin, name="Dynamics sync"),
        key_a=api_key(admin, role="user", locations=[location_a], name="Tokyo desk"),
        other_key=api_key(outsider),
    )


@pytest.fixture
def api():
    """``api(key)``: a client that sends ``key``."""

    def make(key: str | None = None, **headers) -> APIClient:
        client = APIClient()
        if key:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", **headers)
        elif headers:
            client.credentials(**headers)
        return client

    return make
