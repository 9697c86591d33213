"""Partner search: fit first, then how the partner answers referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers import matching
from profiles.models import BusinessProfile
from referrals import lifecycle, sweeps
from tests.factories import (
    BusinessProfileFactory,
    ContactFactory,
    LocationFactory,
    PartnerCompanyFactory,
    UserFactory,
    make_referral,
)

pytestmark = pytest.mark.django_db


def profile(name: str, city: str = "Tokyo", **fields):
    partner = PartnerCompanyFactory(name=name)
    profile = BusinessProfileFactory(partner=partner, **fields)
    ContactFactory(location=LocationFactory(profile=profile, city=city))
    return profile


def history(partner, *, fast: int = 0, failed: int = 0):
    user = UserFactory(partner=partner)
    start = timezone.now() - timedelta(days=20)
    for _ in range(fast):
        referral = make_referral(partner, now=start)
        lifecycle.mark_interested(referral, by=user, now=start + timedelta(hours=2))
    for _ in range(failed):
        make_referral(partner, now=start)
    sweeps.fail_overdue(timezone.now())


def names(results):
    return [match.profile.partner.name for match in results]


def test_results_rank_by_fit(db):
    profile("Both", solution_areas=["security"], industries=["healthcare"])
    profile("Area only", solution_areas=["security"], industries=["retail"])
    profile("Neither", solution_areas=["data_ai"], industries=["retail"])
    results = matching.search(matching.Needs(region="JP", solution_area="security", industry="healthcare"))
    assert names(results) == ["Both", "Area only"]  # a partner matching nothing asked for is left out
    assert results[0].fit == 5
    assert results[0].reasons == ["Specialises in Security", "Works with Healthcare"]


def test_among_equal_fits_the_partner_who_answers_fast_ranks_first(db):
    slow = profile("A Slow Partner", solution_areas=["security"])
    fast = profile("Z Fast Partner", solution_areas=["security"])
    history(fast.partner, fast=4)
    history(slow.partner, failed=4)
    results = matching.search(matching.Needs(region="JP", solution_area="security"))
    assert names(results) == ["Z Fast Partner", "A Slow Partner"]
    assert results[0].answers_fast and not results[1].answers_fast
    assert results[0].responsiveness.speed > 0.7 > results[1].responsiveness.speed


def test_a_partner_without_history_sits_between_fast_and_slow(db):
    for name in ("Fast", "New", "Slow"):
        profile(name, solution_areas=["security"])
    history(BusinessProfile.objects.get(partner__name="Fast").partner, fast=3)
    history(BusinessProfile.objects.get(partner__name="Slow").partner, failed=3)
    assert names(matching.search(matching.Needs(solution_area="security"))) == ["Fast", "New", "Slow"]


def test_only_active_profiles_with_someone_to_email_are_found(db):
    profile("Active")
    profile("Inactive", is_active=False)
    BusinessProfileFactory(partner=PartnerCompanyFactory(name="No contacts"))
    assert names(matching.search(matching.Needs(region="JP"))) == ["Active"]


def test_region_city_and_keywords_filter(db):
    profile("Osaka", city="Osaka", keywords="sap, erp")
    profile("Tokyo", city="Tokyo", keywords="azure")
    profile("London", region="GB")
    assert names(matching.search(matching.Needs(region="JP", city="osaka"))) == ["Osaka"]
    assert names(matching.search(matching.Needs(keywords="ERP"))) == ["Osaka"]
    assert names(matching.search(matching.Needs(region="GB"))) == ["London"]


def test_the_language_a_customer_reads_ranks_but_does_not_list_a_partner_that_fits_nothing_asked(db):
    profile("Speaks English", languages=["en"], keywords="azure", solution_areas=["data_ai"])
    profile("Knows kintone", languages=["ja"], keywords="kintone")
    needs = matching.Needs(region="JP", keywords="kintone", language="en")
    assert names(matching.search(needs)) == ["Knows kintone"]
    # Among partners that fit, the customer's language counts.
    profile("Knows kintone, speaks English", languages=["en"], keywords="kintone")
    assert names(matching.search(needs)) == ["Knows kintone, speaks English", "Knows kintone"]


def test_the_search_page_is_prefilled_from_the_link_in_the_customers_email(client, db):
    profile("Sakura", solution_areas=["cloud_infrastructure"], industries=["manufacturing"])
    response = client.get(
        reverse("partners:search"),
        {
            "region": "JP",
            "solution_area": "cloud_infrastructure",
            "industry": "manufacturing",
            "company_size": "medium",
        },
    )
    assert response.context["form"]["solution_area"].value() == "cloud_infrastructure"
    assert names(response.context["matches"]) == ["Sakura"]
    assert "Specialises in Cloud infrastructure" in response.content.decode()


def test_search_queries_do_not_grow_with_partners(client, db, django_assert_max_num_queries):
    for index in range(3):
        profile(f"P{index}")
    client.get(reverse("partners:search"), {"region": "JP"})
    for index in range(3, 25):
        profile(f"P{index}")
    with django_assert_max_num_queries(4):
        response = client.get(reverse("partners:search"), {"region": "JP"})
    assert len(response.context["matches"]) == 25


def test_a_partners_public_page_shows_its_profile_and_offices_but_no_contacts(client, db):
    shown = profile("Sakura", keywords="azure")
    response = client.get(reverse("partners:profile", args=[shown.pk]))
    page = response.content.decode()
    assert "Sakura" in page and "Tokyo" in page
    assert "@partner.example" not in page  # contacts' emails are the partner's business
    inactive = profile("Hidden", is_active=False)
    assert client.get(reverse("partners:profile", args=[inactive.pk])).status_code == 404


def test_a_partner_that_accepts_similar_deals_ranks_above_one_that_declines_them(db):
    taker = profile("B Takes such deals", solution_areas=["security"])
    picky = profile("A Declines such deals", solution_areas=["security"])
    start = timezone.now() - timedelta(days=20)
    for partner, accepts in ((taker.partner, True), (picky.partner, False)):
        user = UserFactory(partner=partner)
        for _ in range(3):
            referral = make_referral(partner, now=start, solution_area="security")
            lifecycle.mark_interested(referral, by=user, now=start + timedelta(hours=1))  # both answer fast
            if accepts:
                lifecycle.accept(referral, by=user, deal_value=100, currency="USD", close_date=timezone.localdate())
            else:
                lifecycle.decline(referral, by=user, reason="not_a_fit")
    results = matching.search(matching.Needs(solution_area="security"))
    assert names(results) == ["B Takes such deals", "A Declines such deals"]
    assert "Accepted 3 of 3 similar requests" in results[0].record_reasons
    assert "Accepted 0 of 3 similar requests" in results[1].record_reasons
    assert "Answered 100% of 3 referrals within 24 hours" in results[0].record_reasons


@pytest.mark.parametrize(
    "needs",
    [
        matching.Needs(solution_area="security", industry="healthcare", company_size="large", language="en"),
        matching.Needs(keywords="ERP, kintone SAP cloud"),
        matching.Needs(keywords="erp", solution_area="data_ai"),
        matching.Needs(region="JP"),
    ],
)
def test_the_fit_ranked_in_the_database_is_the_fit_the_reasons_explain(db, needs):
    profile("Wide", solution_areas=["security", "data_ai"], industries=["healthcare"], company_sizes=["large"],
            languages=["ja", "en"], keywords="ERP, SAP, kintone", headline="Cloud partner")  # fmt: skip
    profile("Narrow", solution_areas=["data_ai"], industries=["retail"], languages=["ja"], keywords="erp")
    profile("Other", solution_areas=["modern_work"], industries=["retail"], description="Cloud migrations")
    results = matching.search(needs)
    assert results
    for match in results:
        assert match.fit == matching.fit(match.profile, needs)[0], match.profile.partner.name


def test_a_limited_search_keeps_the_best_records_among_equal_fits(db):
    for name in ("A Slow", "B Slow", "C Fast", "D Fast"):
        profile(name, solution_areas=["security"])
    profile("E Better fit", solution_areas=["security"], industries=["healthcare"])
    history(BusinessProfile.objects.get(partner__name="C Fast").partner, fast=3)
    history(BusinessProfile.objects.get(partner__name="D Fast").partner, fast=3)
    for name in ("A Slow", "B Slow"):
        history(BusinessProfile.objects.get(partner__name=name).partner, failed=3)
    needs = matching.Needs(solution_area="security", industry="healthcare")
    assert names(matching.search(needs, limit=3)) == ["E Better fit", "C Fast", "D Fast"]


def test_going_on_with_no_office_chosen_stays_on_the_results_with_a_message(client, db):
    profile("Sakura", solution_areas=["cloud_infrastructure"])
    search = {"region": "JP", "solution_area": "cloud_infrastructure", "keywords": "", "company_size": ""}
    refused = client.get(reverse("partners:search"), {**search, "location": "", "write": "1"})
    page = refused.content.decode()
    assert refused.status_code == 400 and 'id="error-summary"' in page
    assert "Choose the office to contact for at least one partner" in page
    assert names(refused.context["matches"]) == ["Sakura"]  # the results are still there to choose from


def test_a_search_for_any_size_leaves_the_size_to_choose_on_the_request_form(client, db):
    office = profile("Sakura", solution_areas=["cloud_infrastructure"]).locations.get()
    search = {"region": "JP", "solution_area": "cloud_infrastructure", "company_size": ""}
    going_on = client.get(reverse("partners:search"), {**search, "location": office.pk, "write": "1"})
    assert going_on.status_code == 302
    form = client.get(going_on["Location"]).context["form"]
    assert form["solution_area"].value() == "cloud_infrastructure" and form["region"].value() == "JP"
    assert form["company_size"].value() in (None, "")  # not "1–49 employees" because it comes first
    page = client.get(going_on["Location"]).content.decode()
    assert '<option value="" selected>Choose…</option>' in page
