"""The insights page in Chromium, in both languages: charts, and their numbers as tables."""

from __future__ import annotations

import pytest

from referrals import lifecycle
from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("language", "heading", "funnel"),
    [("en", "Insights", "From new to won"), ("ja", "分析", "新規から受注まで")],
)
def test_the_insights_page_shows_charts_and_their_tables(
    new_page, sign_in, live_server, owner, language, heading, funnel
):
    for _ in range(2):
        lifecycle.mark_interested(make_referral(owner.partner), by=owner)
    make_referral(owner.partner)
    page = sign_in(new_page(language), "owner")
    page.goto(f"{live_server.url}/insights/")
    assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    chart = page.get_by_role("img", name=funnel)
    assert chart.is_visible()
    assert chart.locator("rect").count() == 4
    table = page.locator("figure.chart").first.locator("table")
    assert table.locator("tr").first.locator("td").inner_text() == "3"  # received
    assert page.locator("#within-24h").inner_text().startswith("67%")
