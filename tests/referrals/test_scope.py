"""A referral user sees the referrals of the locations assigned to them, everywhere: dashboard,
inbox and its counts, referral pages and actions, insights and the CSV export. Another
location's referral is a 404, as another partner's is."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, LocationFactory, make_referral, scoped_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_offices(partner):
    tokyo = LocationFactory(profile__partner=partner, name="Tokyo HQ")
    osaka = LocationFactory(profile=tokyo.profile, name="Osaka office")
    for location in (tokyo, osaka):
        ContactFactory(location=location)
    return tokyo, osaka


@pytest.fixture
def referrals(partner, two_offices):
    tokyo, osaka = two_offices
    return {
        "tokyo": [make_referral(partner, location=tokyo) for _ in range(2)],
        "osaka": [make_referral(partner, location=osaka)],
    }


def ids(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/referrals/(\d+)/"', page)}


def test_a_referral_user_sees_only_their_locations_referrals(client, partner, two_offices, referrals):
    tokyo, _osaka = two_offices
    client.force_login(scoped_user(partner, tokyo))
    tokyo_ids = {referral.pk for referral in referrals["tokyo"]}
    [osaka_referral] = referrals["osaka"]

    dashboard = client.get(reverse("referrals:dashboard")).content.decode()
    assert ids(dashboard) == tokyo_ids
    assert 'id="count-new">2<' in dashboard
    inbox = client.get(reverse("referrals:list"), {"tab": "new"}).content.decode()
    assert ids(inbox) == tokyo_ids and '<span class="count">2</span>' in inbox

    assert client.get(reverse("referrals:detail", args=[osaka_referral.pk])).status_code == 404
    act = reverse("referrals:act", args=[osaka_referral.pk, "mark_interested"])
    assert client.post(act, {"expected_state": "new"}).status_code == 404
    osaka_referral.refresh_from_db()
    assert osaka_referral.state == "new"
    assert client.get(reverse("referrals:detail", args=[referrals["tokyo"][0].pk])).status_code == 200

    export = b"".join(client.get(reverse("referrals:export")).streaming_content).decode("utf-8-sig")
    assert {int(row["Referral number"]) for row in csv.DictReader(io.StringIO(export))} == tokyo_ids
    insights = client.get(reverse("insights")).content.decode()
    assert "(0 / 2)" in insights  # two received, none answered yet
    assert "Osaka office" not in insights  # nor offered as a filter


def test_a_referral_admin_sees_every_location(client, owner, referrals):
    client.force_login(owner)
    every = {referral.pk for group in referrals.values() for referral in group}
    assert ids(client.get(reverse("referrals:list"), {"tab": "new"}).content.decode()) == every


def test_a_referral_user_with_no_location_sees_nothing(client, partner, referrals):
    client.force_login(scoped_user(partner))
    assert ids(client.get(reverse("referrals:list"), {"tab": "new"}).content.decode()) == set()
