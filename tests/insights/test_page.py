"""The partner's insights page."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_referral
from tests.insights.test_figures import T0, history  # noqa: F401 - the hand-worked data set

pytestmark = pytest.mark.django_db


def test_a_partner_sees_its_own_figures(client, owner, history):  # noqa: F811
    client.force_login(owner)
    page = client.get(reverse("insights")).content.decode()
    assert 'id="median-response">5.0<' in page
    assert 'id="p90-response">24.0<' in page
    assert "75% (6 / 8)" in page
    assert 'id="win-rate">50%<' in page
    assert "¥500,000 and $300.00" in page  # a list as English writes it
    in_japanese = client.get(reverse("insights"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "￥500,000、$300.00" in in_japanese and "受信数" in in_japanese  # "Received", a count here
    assert "<svg" in page and "<table" in page  # every chart has its numbers as a table


def test_another_partners_referrals_never_count(client, outsider, history):  # noqa: F811
    client.force_login(outsider)
    page = client.get(reverse("insights")).content.decode()
    assert "100% (1 / 1)" in page  # only its own, answered in half an hour
    assert 'id="median-response">0.5<' in page


def test_filters_narrow_the_period(client, owner, history):  # noqa: F811
    client.force_login(owner)
    page = client.get(reverse("insights"), {"since": "2026-03-03"}).content.decode()
    assert 'id="within-24h">—<' in page and 'id="median-response">—<' in page
    assert "No referrals in this period." in page


def test_a_period_that_ends_before_it_starts_is_explained(client, owner):
    client.force_login(owner)
    response = client.get(
        reverse("insights"), {"since": "2026-03-03", "until": "2026-03-01"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert "期間の開始日は終了日より前にしてください。" in response.content.decode()


def test_the_page_speaks_japanese(client, owner, history):  # noqa: F811
    client.force_login(owner)
    page = client.get(reverse("insights"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "受注率" in page and "応答時間の中央値（時間）" in page


def test_the_query_count_does_not_grow_with_the_referrals(client, owner, history):  # noqa: F811
    client.force_login(owner)
    client.get(reverse("insights"))  # warm the session

    def queries() -> int:
        for each in caches.all():
            each.clear()  # the figures computed and shown afresh, not read from the cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("insights")).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(20):
        make_referral(owner.partner, now=T0)
    assert queries() == before


def test_the_page_follows_new_referrals_and_the_filters_at_once(client, owner, history):  # noqa: F811
    client.force_login(owner)
    assert "75% (6 / 8)" in client.get(reverse("insights")).content.decode()  # now cached
    make_referral(owner.partner, now=T0)
    page = client.get(reverse("insights")).content.decode()
    assert "(6 / 9)" in page and 'value="2026-03-03"' not in page
    page = client.get(reverse("insights"), {"since": "2026-03-03"}).content.decode()
    assert 'value="2026-03-03"' in page and "No referrals in this period." in page
    assert 'value="2026-03-03"' not in client.get(reverse("insights")).content.decode()
