"""The partner's inbox: time left, unopened marks, filters, sortable columns, keyset pages, the
CSV following the filters, titles per view, and queries that do not grow."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import lifecycle
from tests.factories import UserFactory, location_with_contact, make_referral
from tests.plans import referrals_read

pytestmark = pytest.mark.django_db

INBOX = "/referrals/"


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def rows(response) -> list[int]:
    table = response.content.decode().split('<table class="referrals inbox">', 1)[1].split("</table>", 1)[0]
    return [int(pk) for pk in re.findall(r'href="/referrals/(\d+)/"', table)]


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1].strip()


def negotiating(partner, owner, value: str, close: date, **fields):
    referral = make_referral(partner, **fields)
    lifecycle.mark_interested(referral, by=owner)
    return lifecycle.accept(referral, by=owner, deal_value=Decimal(value), currency="JPY", close_date=close)


def test_new_referrals_show_time_left_in_words_most_urgent_first(signed_in, partner):
    now = timezone.now()
    fresh = make_referral(partner, now=now - timedelta(hours=2))
    critical = make_referral(partner, now=now - timedelta(hours=65))
    late = make_referral(partner, now=now - timedelta(hours=30))
    response = signed_in.get(INBOX)
    assert rows(response) == [critical.pk, late.pk, fresh.pk]
    page = response.content.decode()
    assert "Fails soon" in page and "Past the recommended 24 hours" in page and "Within 24 hours" in page
    assert 'class="row-linked urgency-critical' in page
    assert "2 d 21 h" in page  # the fresh one: 70 hours left


def test_evaluating_referrals_show_when_they_expire(signed_in, partner, owner):
    soon, later = make_referral(partner), make_referral(partner)
    lifecycle.mark_interested(later, by=owner, now=timezone.now() - timedelta(days=1))
    lifecycle.mark_interested(soon, by=owner, now=timezone.now() - timedelta(days=6, hours=12))
    response = signed_in.get(INBOX, {"tab": "evaluating"})
    assert rows(response) == [soon.pk, later.pk]
    assert "Expires soon" in response.content.decode() and "On track" in response.content.decode()


def test_the_customer_company_shows_once_interested_and_the_owner_always(signed_in, partner, owner):
    hidden = make_referral(partner, customer__company_name="Hidden Works")
    shown = make_referral(partner, customer__company_name="Shown Works")
    lifecycle.mark_interested(shown, by=owner)
    lifecycle.assign(shown, by=owner, owner=owner)
    assert "Hidden Works" not in signed_in.get(INBOX).content.decode()
    page = signed_in.get(INBOX, {"tab": "evaluating"}).content.decode()
    assert "Shown Works" in page and ">owner<" in page
    assert hidden.pk not in rows(signed_in.get(INBOX, {"tab": "evaluating"}))


def test_a_referral_never_opened_is_marked_for_each_user(client, partner, owner, teammate):
    referral = make_referral(partner)
    for user in (owner, teammate):
        client.force_login(user)
        assert "Not opened" in client.get(INBOX).content.decode()
    client.get(reverse("referrals:detail", args=[referral.pk]))  # the teammate opens it
    assert "Not opened" not in client.get(INBOX).content.decode()
    client.force_login(owner)
    assert "Not opened" in client.get(INBOX).content.decode()  # the owner has not


def test_each_filter_narrows_the_list_and_names_the_page(signed_in, partner, owner, teammate):
    tokyo, osaka = location_with_contact(partner), location_with_contact(partner)
    tokyo.name, osaka.name = "Tokyo office", "Osaka office"
    tokyo.save(), osaka.save()
    now = timezone.now()
    cloud_tokyo = make_referral(partner, location=tokyo, solution_area="cloud_infrastructure")
    security_osaka = make_referral(partner, location=osaka, solution_area="security", source="marketing")
    old = make_referral(partner, location=osaka, now=now - timedelta(days=2))
    lifecycle.assign(security_osaka, by=owner, owner=teammate)
    lifecycle.assign(old, by=owner, owner=owner)

    def shown(**params):
        response = signed_in.get(INBOX, params)
        assert response.status_code == 200, response.content.decode()
        return set(rows(response)), title(response)

    assert shown(location=tokyo.pk) == ({cloud_tokyo.pk}, "New · Tokyo office – Customer referrals – Referrals Portal")
    assert shown(area="security")[0] == {security_osaka.pk}
    assert shown(area="security")[1].startswith("New · Security")
    assert shown(source="marketing")[0] == {security_osaka.pk}
    assert shown(owner="me")[0] == {old.pk}
    assert shown(owner="none")[0] == {cloud_tokyo.pk}
    assert shown(owner=str(teammate.pk))[0] == {security_osaka.pk}
    today = timezone.localdate()
    assert shown(received_from=today.isoformat())[0] == {cloud_tokyo.pk, security_osaka.pk}
    assert shown(received_to=(today - timedelta(days=1)).isoformat())[0] == {old.pk}
    assert shown(location=osaka.pk, owner="me")[0] == {old.pk}
    assert shown()[1] == "New – Customer referrals – Referrals Portal"


def test_negotiating_deals_filter_by_value_and_sort_by_column(signed_in, partner, owner):
    today = timezone.localdate()
    small = negotiating(partner, owner, "300000", today + timedelta(days=30))
    large = negotiating(partner, owner, "9000000", today + timedelta(days=10))
    middle = negotiating(partner, owner, "1500000", today + timedelta(days=60))
    assert rows(signed_in.get(INBOX, {"tab": "negotiating"})) == [large.pk, small.pk, middle.pk]  # closing soonest
    by_value = signed_in.get(INBOX, {"tab": "negotiating", "sort": "-value"})
    assert rows(by_value) == [large.pk, middle.pk, small.pk]
    assert 'aria-sort="descending"><a href="?tab=negotiating&amp;sort=value"' in by_value.content.decode()
    within = signed_in.get(INBOX, {"tab": "negotiating", "value_min": "1000000", "value_max": "2000000"})
    assert rows(within) == [middle.pk]
    assert title(within).startswith("Negotiating · value 1000000–2000000")


def test_a_filter_that_does_not_fit_is_explained_and_the_others_still_apply(signed_in, partner):
    location = location_with_contact(partner)
    kept = make_referral(partner, location=location)
    make_referral(partner)
    response = signed_in.get(INBOX, {"location": location.pk, "received_from": "2026-02-31", "owner": "999999"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid date." in page and "Select a valid choice." in page
    assert rows(response) == [kept.pk]
    assert title(response).startswith("Error: ")


def test_another_partners_location_or_colleague_is_not_a_filter(signed_in, partner, other_partner):
    theirs = make_referral(other_partner)
    outsider = UserFactory(partner=other_partner)
    for params in ({"location": theirs.location_id}, {"owner": str(outsider.pk)}):
        response = signed_in.get(INBOX, params)
        assert response.status_code == 400 and theirs.pk not in rows(response)


def test_the_csv_follows_the_filters(signed_in, partner):
    tokyo = location_with_contact(partner)
    wanted = make_referral(partner, location=tokyo, solution_area="security")
    make_referral(partner, location=tokyo, solution_area="data_ai")
    make_referral(partner, solution_area="security")
    response = signed_in.get(reverse("referrals:export"), {"tab": "new", "location": tokyo.pk, "area": "security"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [int(row["Referral number"]) for row in csv.DictReader(io.StringIO(body))] == [wanted.pk]
    # The list page links to the CSV of the view it shows.
    page = signed_in.get(INBOX, {"tab": "new", "area": "security"}).content.decode()
    assert 'href="/referrals/export.csv?tab=new&amp;area=security"' in page


def test_deep_pages_start_after_the_last_row_not_at_an_offset(signed_in, partner, owner):
    now = timezone.now()
    for minutes in range(60):
        lifecycle.mark_not_interested(
            make_referral(partner, now=now - timedelta(minutes=minutes)), reason="other", by=owner
        )
    seen: list[int] = []
    url = INBOX + "?tab=archived"
    queries = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as captured:
            response = signed_in.get(url)
        assert f"Page {number} of 3" in response.content.decode()
        assert not any("OFFSET" in query["sql"] for query in captured.captured_queries)
        # The CSV is the whole tab, whichever page links to it.
        csv_link = re.search(r'href="(/referrals/export.csv[^"]*)"', response.content.decode())[1]
        assert csv_link.startswith("/referrals/export.csv?tab=archived") and "after" not in csv_link
        assert "page" not in csv_link
        queries.append(len(captured))
        seen += rows(response)
        found = re.search(r'href="([^"]*)" rel="next"', response.content.decode())
        url = INBOX + found[1].replace("&amp;", "&") if found else ""
    assert not url  # no page after the third
    assert len(seen) == len(set(seen)) == 60
    # The filter form is rendered once for all the pages: its choices are not read again.
    assert queries[1] == queries[2] == queries[0] - 2


def page_query(client, url: str) -> tuple[str, str]:
    """The SQL of the page's rows at ``url``, and the address of its Next link."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    [sql] = [
        q["sql"] for q in captured.captured_queries if re.search(r'FROM "referrals_referral" .*LIMIT 26', q["sql"])
    ]
    found = re.search(r'href="([^"]*)" rel="next"', response.content.decode())
    return sql, INBOX + found[1].replace("&amp;", "&") if found else ""


@pytest.mark.postgres
def test_a_deep_page_reads_its_own_rows_not_the_pages_before_it(signed_in, partner, owner):
    """Keyset pages: the archive's third page starts at its cursor in the archive's index, newest
    first and oldest first (before: it read the tab from the top and filtered out the 50 rows
    of the pages before it)."""
    if connection.vendor != "postgresql":
        pytest.fail("This test reads PostgreSQL's query plans: run it with ./dev test.")
    now = timezone.now()
    for minutes in range(60):
        lifecycle.mark_not_interested(
            make_referral(partner, now=now - timedelta(minutes=minutes)), reason="other", by=owner
        )
    for sort in ("-received", "received"):
        url = INBOX + f"?tab=archived&sort={sort}"
        for _page in (1, 2):
            _sql, url = page_query(signed_in, url)
        sql, _next = page_query(signed_in, url)  # page 3: its 10 rows, and the cursor's row read again
        assert referrals_read(sql) <= 11


@pytest.mark.postgres
def test_the_negotiating_tab_reads_a_page_not_the_whole_tab(signed_in, partner, owner):
    """The tab no clock empties: its default order (close date) and the deal-value orders read
    a page off an index, not every deal of the partner's to sort them."""
    if connection.vendor != "postgresql":
        pytest.fail("This test reads PostgreSQL's query plans: run it with ./dev test.")
    for days in range(40):
        negotiating(partner, owner, str(1000 + days), timezone.localdate() + timedelta(days=days))
    for sort in ("close", "-close", "value", "-value"):
        sql, url = page_query(signed_in, INBOX + f"?tab=negotiating&sort={sort}")
        assert referrals_read(sql) <= 26, sort
        sql, _next = page_query(signed_in, url)  # page 2: its 15 rows, and the cursor's row read again
        assert referrals_read(sql) <= 16, sort


@pytest.mark.parametrize(
    "params",
    [
        {"tab": "new"},
        {"tab": "archived", "outcome": "skipped", "sort": "received"},
        {
            "tab": "negotiating", "q": "cloud", "location": "LOCATION", "area": "cloud_infrastructure",
            "source": "search", "owner": "me", "received_from": "2020-01-01", "received_to": "2099-12-31",
            "value_min": "1", "value_max": "999999999", "sort": "-value",
        },
    ],
)  # fmt: skip
def test_inbox_queries_with_every_filter_stay_few_and_do_not_grow(signed_in, partner, owner, params):
    location = location_with_contact(partner)
    params = {name: (location.pk if value == "LOCATION" else value) for name, value in params.items()}

    def add(count):
        for _ in range(count):
            referral = negotiating(partner, owner, "1000", timezone.localdate() + timedelta(days=9), location=location)
            lifecycle.assign(referral, by=owner, owner=owner)
            lifecycle.mark_not_interested(make_referral(partner, location=location), reason="other", by=owner)
            make_referral(partner, location=location)

    def counted() -> int:
        from django.core.cache import caches

        for each in caches.all():
            each.clear()  # rendered afresh, rows and all
        with CaptureQueriesContext(connection) as captured:
            response = signed_in.get(INBOX, params)
        assert response.status_code == 200 and rows(response)
        return len(captured)

    add(1)
    few = counted()
    add(30)
    assert counted() == few <= {"new": 10, "archived": 10, "negotiating": 11}[params["tab"]]


@pytest.mark.parametrize(
    "params",
    [
        {"tab": "negotiating", "sort": "value", "after": "NaN,1"},
        {"tab": "negotiating", "sort": "-value", "before": "1E+999999,1"},
        {"tab": "archived", "after": "0001-01-01T00:00:00+05:00,1", "page": "3"},
        {"tab": "archived", "after": "2020-01-01T00:00:00+00:00,1", "page": "²"},
        {"tab": "new", "q": "#²"},
        {"tab": "new", "received_from": "0001-01-01"},
        {"tab": "archived", "after": "2000-01-01T00:00:00+00:00,1", "page": "3"},  # nothing after it
    ],
)
def test_a_cursor_or_filter_no_link_makes_is_a_page_not_an_error(signed_in, partner, owner, params):
    lifecycle.mark_not_interested(make_referral(partner), reason="other", by=owner)
    response = signed_in.get(INBOX, params)
    assert response.status_code in (200, 400)
    assert b"Customer referrals" in response.content
    export = signed_in.get(reverse("referrals:export"), params)
    assert export.status_code == 200 and b"".join(export.streaming_content)


def test_a_tab_narrowed_by_location_or_area_is_counted_by_the_tallies(signed_in, partner):
    tokyo, osaka = location_with_contact(partner), location_with_contact(partner)
    for location, area, count in ((tokyo, "security", 3), (tokyo, "data_ai", 2), (osaka, "security", 1)):
        for _ in range(count):
            make_referral(partner, location=location, solution_area=area)
    for params, expected in (
        ({"area": "security"}, 4),
        ({"location": tokyo.pk}, 5),
        ({"location": tokyo.pk, "area": "security"}, 3),
        ({"location": osaka.pk, "area": "data_ai"}, 0),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = signed_in.get(INBOX, {"tab": "new", **params})
        shown = re.search(r'id="inbox-count">(\d+) referral', response.content.decode())
        assert shown is not None and int(shown[1]) == expected == len(rows(response))
        assert not any("COUNT(" in query["sql"] for query in captured.captured_queries)
    # A search counts its matches.
    with CaptureQueriesContext(connection) as captured:
        signed_in.get(INBOX, {"tab": "new", "area": "security", "q": "a"})
    assert any("COUNT(" in query["sql"] for query in captured.captured_queries)
