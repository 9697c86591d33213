"""The operator's report across partners, and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import lifecycle, sweeps
from tests.factories import PartnerCompanyFactory, UserFactory, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_partners(db):
    start = timezone.now() - timedelta(days=10)
    fast = PartnerCompanyFactory(name="Fast K.K.")
    slow = PartnerCompanyFactory(name="Slow Ltd.")
    fast_user = UserFactory(partner=fast)
    for _ in range(2):
        referral = make_referral(fast, now=start)
        lifecycle.mark_interested(referral, by=fast_user, now=start + timedelta(hours=1))
    for _ in range(3):
        make_referral(slow, now=start)
    make_referral(slow, now=timezone.now())
    sweeps.fail_overdue(timezone.now())
    return fast, slow


def test_partners_who_let_referrals_lapse_come_first(client, operator, two_partners):
    client.force_login(operator)
    page = client.get(reverse("admin:referrals_referral_report")).content.decode()
    assert page.index("Slow Ltd.") < page.index("Fast K.K.")
    assert "75%" in page  # Slow let 3 of 4 fail


def test_the_report_sorts_by_a_chosen_column(client, operator, two_partners):
    client.force_login(operator)
    page = client.get(reverse("admin:referrals_referral_report"), {"o": "-share_within_24h"}).content.decode()
    assert page.index("Fast K.K.") < page.index("Slow Ltd.")


def test_the_csv_has_one_row_per_partner(client, operator, two_partners):
    client.force_login(operator)
    response = client.get(reverse("admin:referrals_referral_report"), {"format": "csv", "o": "partner"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["Partner"], row["Received"], row["Failed"], row["Share answered within 24 h"]) for row in rows] == [
        ("Fast K.K.", "2", "0", "1.000"),
        ("Slow Ltd.", "4", "3", "0.000"),
    ]
    assert rows[0]["Median response (hours)"] == "1.0"


def test_the_report_filters_by_period(client, operator, two_partners):
    client.force_login(operator)
    today = timezone.localdate().isoformat()
    response = client.get(reverse("admin:referrals_referral_report"), {"format": "csv", "since": today})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["Partner"], row["Received"]) for row in rows] == [("Slow Ltd.", "1")]


def test_the_report_query_count_does_not_grow_with_referrals(
    client, operator, two_partners, django_assert_max_num_queries
):
    client.force_login(operator)
    client.get(reverse("admin:referrals_referral_report"))
    for _ in range(20):
        make_referral(two_partners[0])
    with django_assert_max_num_queries(8):
        client.get(reverse("admin:referrals_referral_report"))
