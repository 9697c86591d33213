"""A partner's referral admins keep their business profiles, locations and contacts current in
the portal: partner search follows at once, an active profile keeps someone to email, bad input
is explained and nothing is half-saved, every change is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from customers import matching
from profiles.models import BusinessProfile, Location, PartnerChange, can_receive
from tests.factories import BusinessProfileFactory, ContactFactory, LocationFactory, location_with_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(partner):
    profile = BusinessProfileFactory(
        partner=partner, keywords="azure, kintone, data", company_sizes=["medium", "large"], solution_areas=["data_ai"]
    )
    ContactFactory(location=LocationFactory(profile=profile, name="Tokyo HQ"))
    return profile


def profile_post(profile: BusinessProfile, **changes) -> dict:
    data = {
        "headline": profile.headline,
        "description": profile.description,
        "solution_areas": profile.solution_areas,
        "industries": profile.industries,
        "company_sizes": profile.company_sizes,
        "languages": profile.languages,
        "kept_keywords": [word.strip() for word in profile.keywords.split(",")],
        "new_keywords": "",
        "is_active": "on" if profile.is_active else "",
    }
    return {**data, **changes}


# The empty contact row of a new location, as a browser posts it: its defaults, nothing typed.
BLANK_CONTACT = {
    "contacts-TOTAL_FORMS": "1",
    "contacts-INITIAL_FORMS": "0",
    "contacts-0-language": "ja",
    "contacts-0-receives_referrals": "on",
}


def found(**needs) -> list[str]:
    return [match.profile.partner.name for match in matching.search(matching.Needs(region="JP", **needs))]


def test_removing_a_keyword_and_a_company_size_takes_the_partner_out_of_those_searches(client, owner, profile):
    assert found(keywords="kintone") == ["Sakura Cloud K.K."]
    assert found(company_size="large") == ["Sakura Cloud K.K."]
    client.force_login(owner)
    response = client.post(
        reverse("profiles:profile", args=[profile.pk]),
        profile_post(
            profile, kept_keywords=["azure", "data"], company_sizes=["medium"], new_keywords="SAP, 基幹システム"
        ),
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.keywords == "azure, data, SAP, 基幹システム"
    assert found(keywords="kintone") == [] and found(company_size="large") == []
    assert found(keywords="基幹システム") == ["Sakura Cloud K.K."]
    change = PartnerChange.objects.get(partner=profile.partner)
    assert change.actor == owner
    assert change.changes["Keywords"] == ["azure, kintone, data", "azure, data, SAP, 基幹システム"]


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ("<script>alert(1)</script>", "is not a keyword"),
        ("x" * 10_000, "Ensure this value has at most 500 characters"),
        (", ".join(f"word{n}" for n in range(40)), "Keep at most 30 keywords."),
    ],
)
def test_keywords_with_markup_or_too_long_are_explained_and_nothing_is_saved(client, owner, profile, keywords, message):
    client.force_login(owner)
    response = client.post(
        reverse("profiles:profile", args=[profile.pk]), profile_post(profile, new_keywords=keywords, headline="New")
    )
    assert response.status_code == 400 and message in response.content.decode()
    profile.refresh_from_db()
    assert (profile.headline, profile.keywords) != ("New", keywords)
    assert profile.keywords == "azure, kintone, data"
    assert not PartnerChange.objects.exists()


def test_an_active_profile_needs_someone_to_email_and_is_saved_whole_or_not_at_all(client, owner, partner):
    client.force_login(owner)
    response = client.post(reverse("profiles:business"), {"region": "US", "headline": "Cloud in the US"})
    profile = BusinessProfile.objects.get(region="US")
    assert response["Location"] == reverse("profiles:profile", args=[profile.pk]) and not profile.is_active
    refused = client.post(
        reverse("profiles:profile", args=[profile.pk]),
        profile_post(profile, is_active="on", headline="Changed", kept_keywords=[]),
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert refused.status_code == 400 and "新規紹介メールを受け取る連絡先のある有効な拠点" in refused.content.decode()
    profile.refresh_from_db()
    assert (profile.is_active, profile.headline) == (False, "Cloud in the US")  # nothing half-saved

    contact = {"contacts-0-name": "Amy", "contacts-0-email": "amy@sakura.example", "contacts-0-language": "en"}
    created = client.post(
        reverse("profiles:new_location", args=[profile.pk]),
        {
            "name": "Seattle",
            "city": "Seattle",
            "is_active": "on",
            **BLANK_CONTACT,
            **contact,
            "contacts-0-receives_referrals": "on",
        },
    )
    assert created.status_code == 302
    assert (
        client.post(
            reverse("profiles:profile", args=[profile.pk]), profile_post(profile, is_active="on", kept_keywords=[])
        ).status_code
        == 302
    )
    assert [match.profile for match in matching.search(matching.Needs(region="US"))] == [profile]

    # Untick the only contact's emails: the profile would keep nobody to email, so nothing changes.
    location = Location.objects.get(name="Seattle")
    existing = {
        "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "1", "contacts-0-id": location.contacts.get().pk,
        **contact,
    }  # fmt: skip
    refused = client.post(
        reverse("profiles:location", args=[location.pk]),
        {"name": "Seattle", "city": "Seattle", "is_active": "on", **existing},
    )
    assert refused.status_code == 400 and "receives the new-referral emails" in refused.content.decode()
    assert location.contacts.get().receives_referrals


def test_duplicate_locations_and_bad_contacts_are_explained(client, owner, profile):
    client.force_login(owner)
    duplicate = client.post(
        reverse("profiles:new_location", args=[profile.pk]),
        {"name": "Tokyo HQ", "city": "Tokyo", "is_active": "on", **BLANK_CONTACT},
    )
    assert duplicate.status_code == 400 and "a location with this name already" in duplicate.content.decode()
    bad = client.post(
        reverse("profiles:new_location", args=[profile.pk]),
        {
            "name": "Nagoya",
            "city": "Nagoya",
            **BLANK_CONTACT,
            "contacts-0-name": "X",
            "contacts-0-email": "nope",
            "contacts-0-language": "ja",
        },
    )
    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()
    assert list(profile.locations.values_list("name", flat=True)) == ["Tokyo HQ"]


def test_the_preview_shows_the_page_customers_see_to_the_admins_only(client, owner, outsider, profile):
    profile.is_active = False
    profile.save()
    client.force_login(owner)
    page = client.get(reverse("partners:preview", args=[profile.pk])).content.decode()
    assert "Preview: this is how customers see your profile." in page and profile.headline in page
    assert "Tokyo HQ" in page and "It is inactive" in page
    assert client.get(reverse("partners:profile", args=[profile.pk])).status_code == 404  # not public while inactive
    client.force_login(outsider)
    assert client.get(reverse("partners:preview", args=[profile.pk])).status_code == 404


def test_a_paused_location_leaves_search_and_comes_back_after_its_date(client, owner, profile):
    location = profile.locations.get()
    today = timezone.localdate()
    location.paused_until = today + timedelta(days=3)
    location.save()
    assert found(solution_area="data_ai") == []
    client.force_login(owner)
    page = client.get(reverse("profiles:business")).content.decode()
    assert "Paused until" in page and "customers do not find it" in page
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert found(solution_area="data_ai") == ["Sakura Cloud K.K."]


def test_a_full_location_leaves_search_until_next_month(client, owner, partner, profile):
    from tests.factories import make_referral

    location = profile.locations.get()
    location.monthly_cap = 2
    location.save()
    start = timezone.now().replace(day=10, hour=12)
    with time_machine.travel(start):
        make_referral(partner, location=location)
        assert found(solution_area="data_ai") == ["Sakura Cloud K.K."]
        make_referral(partner, location=location)
        assert found(solution_area="data_ai") == []
        client.force_login(owner)
        assert "Full for this month: 2 of 2" in client.get(reverse("profiles:business")).content.decode()
    with time_machine.travel(start + timedelta(days=31)):
        assert found(solution_area="data_ai") == ["Sakura Cloud K.K."]


@pytest.mark.parametrize(
    ("active", "flags"), [(True, [True]), (True, [False, True]), (True, [False]), (True, []), (False, [True])]
)
def test_the_rule_in_python_and_in_sql_agree(profile, active, flags):
    location = LocationFactory(profile=profile, name="Checked", is_active=active)
    for receives in flags:
        ContactFactory(location=location, receives_referrals=receives)
    assert can_receive(active, flags) == Location.objects.receiving().filter(pk=location.pk).exists()


def test_only_the_partners_admins_shape_its_house(client, partner, profile):
    from tests.factories import scoped_user

    client.force_login(scoped_user(partner, location_with_contact(partner)))
    for url in (reverse("profiles:business"), reverse("profiles:profile", args=[profile.pk]), reverse("profiles:team")):
        assert client.get(url).status_code == 404
