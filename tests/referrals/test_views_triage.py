"""Partner triage pages: what a partner user sees and does, and what they never see."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import lifecycle, sweeps
from referrals.models import State
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "customer__contact_name": "Hanako Yamada",
    "customer__company_name": "Yamada Seisakusho",
    "customer__email": "hanako@yamada.example",
    "customer__phone": "+81 6-7777-8888",
}
SECRETS = ("Hanako", "Yamada Seisakusho", "hanako@yamada.example", "7777-8888")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def act(client, referral, action, **data):
    referral.refresh_from_db()
    data.setdefault("expected_state", referral.state)
    return client.post(reverse("referrals:act", args=[referral.pk, action]), data)


def rows(response) -> list[int]:
    """The referrals the rendered list shows, in order (what the partner sees, cached or not)."""
    table = response.content.decode().split('<table class="referrals inbox">', 1)[1].split("</table>", 1)[0]
    return [int(pk) for pk in re.findall(r'href="/referrals/(\d+)/"', table)]


def tab_counts(response) -> list[tuple[str, int]]:
    return [
        (key, int(count))
        for key, count in re.findall(
            r'href="\?tab=(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', response.content.decode()
        )
    ]


def link(response, rel: str) -> str:
    """The query string of the page's "next" or "prev" link, as the browser follows it."""
    return html.unescape(re.search(rf'href="([^"]*)" rel="{rel}"', response.content.decode())[1])


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


# --- Dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_lists_new_referrals_oldest_first_with_time_waited_and_left(signed_in, partner):
    now = timezone.now()
    fresh = make_referral(partner, now=now - timedelta(hours=2))
    late = make_referral(partner, now=now - timedelta(hours=30))
    critical = make_referral(partner, now=now - timedelta(hours=65))
    page = signed_in.get(reverse("referrals:dashboard")).content.decode()
    assert page.index(f"#{critical.pk}<") < page.index(f"#{late.pk}<") < page.index(f"#{fresh.pk}<")
    assert "Fails soon" in page and "Past the recommended 24 hours" in page and "Within 24 hours" in page
    assert "2 d 21 h" in page  # the fresh one: 70 hours left, less the seconds the test took
    assert 'id="count-new">3<' in page


def test_the_dashboard_shows_time_left_before_evaluating_referrals_expire(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner, now=timezone.now() - timedelta(days=6, hours=12))
    page = signed_in.get(reverse("referrals:dashboard")).content.decode()
    assert "Expires soon" in page
    assert "11 h" in page


def test_the_dashboard_follows_arrivals_answers_and_the_clock(signed_in, partner, owner):
    start = timezone.now().replace(second=30, microsecond=0)
    with time_machine.travel(start, tick=False):
        first = make_referral(partner, now=start - timedelta(hours=2))
        page = signed_in.get(reverse("referrals:dashboard")).content.decode()
        assert f"#{first.pk}<" in page and "2 h 0 min" in page
        second = make_referral(partner, now=start - timedelta(hours=1, seconds=30))
        lifecycle.mark_interested(first, by=owner, now=start - timedelta(minutes=10, seconds=30))
        page = signed_in.get(reverse("referrals:dashboard")).content.decode()
    needs_response, evaluating = page.split('id="evaluating-now"')
    assert f"#{second.pk}<" in needs_response and f"#{first.pk}<" in evaluating
    assert "1 h 0 min" in needs_response and "10 min" in evaluating
    with time_machine.travel(start + timedelta(seconds=40), tick=False):  # the clocks turn a minute
        page = signed_in.get(reverse("referrals:dashboard")).content.decode()
    assert "1 h 1 min" in page and "11 min" in page


def test_dashboard_queries_do_not_grow_with_referrals(signed_in, partner):
    make_referral(partner)
    before = queries(signed_in, reverse("referrals:dashboard"))
    for _ in range(15):
        make_referral(partner)
    assert queries(signed_in, reverse("referrals:dashboard")) == before


# --- The list ----------------------------------------------------------------------------------------


def test_tabs_count_and_show_each_stage(signed_in, partner, owner):
    new, evaluating, skipped = make_referral(partner), make_referral(partner), make_referral(partner)
    lifecycle.mark_interested(evaluating, by=owner)
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=owner)
    response = signed_in.get(reverse("referrals:list"), {"tab": "new"})
    assert tab_counts(response) == [("new", 1), ("evaluating", 1), ("negotiating", 0), ("archived", 1)]
    assert rows(response) == [new.pk]
    archived = signed_in.get(reverse("referrals:list"), {"tab": "archived", "outcome": "skipped"})
    assert rows(archived) == [skipped.pk]
    assert rows(signed_in.get(reverse("referrals:list"), {"tab": "archived", "outcome": "won"})) == []


def test_search_finds_by_need_and_number(signed_in, partner):
    cloud = make_referral(partner, need="Move our ERP to the cloud")
    make_referral(partner, need="Security review of our offices")
    assert rows(signed_in.get(reverse("referrals:list"), {"q": "erp"})) == [cloud.pk]
    assert rows(signed_in.get(reverse("referrals:list"), {"q": f"#{cloud.pk}"})) == [cloud.pk]


def test_the_list_sorts_and_paginates(signed_in, partner):
    now = timezone.now()
    referrals = [make_referral(partner, now=now - timedelta(minutes=minutes)) for minutes in range(30)]
    first = signed_in.get(reverse("referrals:list"), {"sort": "-received"})
    assert rows(first)[:2] == [referrals[0].pk, referrals[1].pk]
    assert "Page 1 of 2" in first.content.decode()
    # The next page starts after the last row shown (a keyset, not an offset), and goes back.
    second = signed_in.get(reverse("referrals:list") + link(first, "next"))
    assert rows(second) == [referral.pk for referral in referrals[25:]]
    assert "Page 2 of 2" in second.content.decode() and 'rel="next"' not in second.content.decode()
    assert rows(signed_in.get(reverse("referrals:list") + link(second, "prev"))) == rows(first)
    # The default order of New is the most urgent first: the oldest, which fails first.
    assert rows(signed_in.get(reverse("referrals:list")))[:2] == [referrals[29].pk, referrals[28].pk]


def test_an_old_bookmark_sorts_as_it_did(signed_in, partner):
    now = timezone.now()
    older, newer = make_referral(partner, now=now - timedelta(hours=2)), make_referral(partner, now=now)
    assert rows(signed_in.get(reverse("referrals:list"), {"sort": "newest"})) == [newer.pk, older.pk]
    assert rows(signed_in.get(reverse("referrals:list"), {"sort": "oldest"})) == [older.pk, newer.pk]


def test_list_queries_do_not_grow_with_referrals(signed_in, partner):
    make_referral(partner)
    before = queries(signed_in, reverse("referrals:list"), tab="new")
    for _ in range(30):
        make_referral(partner)
    assert queries(signed_in, reverse("referrals:list"), tab="new") == before


def test_the_list_follows_each_change_at_once(signed_in, partner):
    referral = make_referral(partner)
    assert f"#{referral.pk}<" in signed_in.get(reverse("referrals:list"), {"tab": "new"}).content.decode()
    act(signed_in, referral, "mark_interested")
    assert f"#{referral.pk}<" not in signed_in.get(reverse("referrals:list"), {"tab": "new"}).content.decode()
    page = signed_in.get(reverse("referrals:list"), {"tab": "evaluating"}).content.decode()
    assert f"#{referral.pk}<" in page and "Evaluating" in page
    sweeps.fail_overdue(timezone.now() + timedelta(days=30))  # the sweep changes nothing here: still there
    assert f"#{referral.pk}<" in signed_in.get(reverse("referrals:list"), {"tab": "evaluating"}).content.decode()
    sweeps.expire_overdue(timezone.now() + timedelta(days=30))  # the sweep's change shows too
    page = signed_in.get(reverse("referrals:list"), {"tab": "archived"}).content.decode()
    assert f"#{referral.pk}<" in page and "Expired" in page


def test_cached_rows_are_per_partner_and_per_language(client, owner, outsider, partner, other_partner):
    mine, theirs = make_referral(partner, need="Our own need"), make_referral(other_partner, need="Their need")
    for user, shown, hidden in ((owner, mine, theirs), (outsider, theirs, mine)):  # the same counts: 1 new each
        client.force_login(user)
        page = client.get(reverse("referrals:list")).content.decode()
        assert f"#{shown.pk}<" in page and f"#{hidden.pk}<" not in page
    client.force_login(owner)
    page = client.get(reverse("referrals:list"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "未確認</span>" in page and "Not opened" not in page  # the rows, rendered in Japanese


def test_the_referral_page_queries_do_not_grow_with_referrals(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    url = reverse("referrals:detail", args=[referral.pk])
    first = queries(signed_in, url)  # opened once: the later views only find that it was
    for each in caches.all():
        each.clear()
    before = queries(signed_in, url)
    assert first == before  # the first view marks it read in the one statement the others run
    # Seen again: the request, customer, location, history and the owner's choices come from the cache.
    assert queries(signed_in, url) == before - 5
    for _ in range(30):
        lifecycle.mark_interested(make_referral(partner), by=owner)
    for each in caches.all():
        each.clear()  # both counts are of a page rendered afresh
    assert queries(signed_in, url) == before <= 12


# --- Customer details stay hidden until Interested -----------------------------------------------


def test_a_new_referral_shows_the_summary_but_no_customer_contact_details(signed_in, partner):
    referral = make_referral(partner, need="Cloud migration for 3 factories", **CUSTOMER)
    response = signed_in.get(reverse("referrals:detail", args=[referral.pk]))
    page = response.content.decode()
    assert "Cloud migration for 3 factories" in page
    assert response.context["customer"] is None
    for secret in SECRETS:
        assert secret not in page
    # Nor in any other page the partner can open.
    for url in (reverse("referrals:list"), reverse("referrals:dashboard"), reverse("insights")):
        assert not any(secret in signed_in.get(url).content.decode() for secret in SECRETS)


def test_interested_reveals_the_customer(signed_in, partner):
    referral = make_referral(partner, **CUSTOMER)
    response = act(signed_in, referral, "mark_interested")
    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "Marked as Interested" in page
    for secret in SECRETS:
        assert secret in page


def test_a_skipped_referral_never_reveals_the_customer(signed_in, partner):
    referral = make_referral(partner, **CUSTOMER)
    act(signed_in, referral, "mark_not_interested", reason="not_a_fit", confirmed="yes")
    page = signed_in.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Skipped" in page
    assert not any(secret in page for secret in SECRETS)


# --- Actions -----------------------------------------------------------------------------------------


def test_only_the_actions_allowed_now_are_offered(signed_in, partner, owner):
    referral = make_referral(partner)
    page = signed_in.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "/mark_interested/" in page and "/mark_not_interested/" in page
    assert "/accept/" not in page and "/mark_won/" not in page
    lifecycle.mark_interested(referral, by=owner)
    page = signed_in.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "/accept/" in page and "/decline/" in page and "/mark_interested/" not in page


def test_accept_with_bad_input_says_what_to_fix_and_changes_nothing(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = act(signed_in, referral, "accept", deal_value="-5", currency="", close_date=yesterday.isoformat())
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter an amount greater than zero." in page
    assert "Choose a currency from the list." in page
    assert "The estimated close date cannot be in the past." in page
    referral.refresh_from_db()
    assert referral.state == State.EVALUATING


def test_accept_errors_speak_japanese(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    response = signed_in.post(
        reverse("referrals:act", args=[referral.pk, "accept"]),
        {"expected_state": "evaluating", "deal_value": "", "currency": "JPY", "close_date": ""},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    page = response.content.decode()
    assert "金額を入力してください。" in page
    assert "予定終了日を入力してください。" in page


def test_the_whole_way_to_won(signed_in, partner):
    referral = make_referral(partner)
    act(signed_in, referral, "mark_interested")
    close = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert (
        act(
            signed_in,
            referral,
            "accept",
            deal_value="1500000",
            currency="JPY",
            close_date=close,
            expected_state="evaluating",
        ).status_code
        == 302
    )
    assert (
        act(
            signed_in, referral, "mark_won", final_value="1600000", currency="JPY", expected_state="negotiating"
        ).status_code
        == 302
    )
    referral.refresh_from_db()
    assert (referral.state, referral.final_value) == (State.WON, 1600000)
    page = signed_in.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "archived: nothing more to do" in page
    assert page.count("<li>") >= 4  # received, interested, accepted, won


def test_decline_needs_a_reason_from_the_list(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    response = act(signed_in, referral, "decline", reason="", note="", expected_state="evaluating")
    assert response.status_code == 400
    assert "Choose a reason from the list." in response.content.decode()
    assert (
        act(signed_in, referral, "decline", reason="no_capacity", note="Busy", expected_state="evaluating").status_code
        == 302
    )
    referral.refresh_from_db()
    assert (referral.state, referral.decline_reason, referral.outcome_note) == (State.DECLINED, "no_capacity", "Busy")


def test_lost_needs_a_reason(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    lifecycle.accept(referral, by=owner, deal_value=10, currency="USD", close_date=timezone.localdate())
    assert act(signed_in, referral, "mark_lost", reason="", expected_state="negotiating").status_code == 400
    assert act(signed_in, referral, "mark_lost", reason="price", expected_state="negotiating").status_code == 302


def test_a_second_click_gets_a_clear_message_not_an_error(signed_in, partner):
    referral = make_referral(partner)
    act(signed_in, referral, "mark_interested", expected_state="new")
    response = act(signed_in, referral, "mark_interested", expected_state="new")
    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "This referral changed meanwhile: it is now Evaluating. Nothing was changed." in page


def test_a_stale_page_after_the_system_expired_it(signed_in, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner, now=timezone.now() - timedelta(days=8))
    sweeps.expire_overdue(timezone.now())
    close = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = act(
        signed_in, referral, "accept", deal_value="100", currency="USD", close_date=close, expected_state="evaluating"
    )
    assert response.status_code == 302
    page = signed_in.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    referral.refresh_from_db()
    assert referral.state == State.EXPIRED
    assert "有効期限切れ" in page


def test_actions_are_post_only(signed_in, partner):
    referral = make_referral(partner)
    assert signed_in.get(reverse("referrals:act", args=[referral.pk, "mark_interested"])).status_code == 405
    referral.refresh_from_db()
    assert referral.state == State.NEW


def test_an_unknown_action_is_a_404(signed_in, partner):
    referral = make_referral(partner)
    assert act(signed_in, referral, "fail").status_code == 404  # the system's transition, not a partner's
    assert act(signed_in, referral, "delete").status_code == 404


def test_another_partners_user_gets_404_for_every_page_and_action(client, outsider, partner, owner):
    referrals = {state: make_referral(partner) for state in ("new", "evaluating", "negotiating")}
    lifecycle.mark_interested(referrals["evaluating"], by=owner)
    lifecycle.mark_interested(referrals["negotiating"], by=owner)
    lifecycle.accept(referrals["negotiating"], by=owner, deal_value=5, currency="USD", close_date=timezone.localdate())
    client.force_login(outsider)
    for state, referral in referrals.items():
        assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
        for action in ("mark_interested", "mark_not_interested", "accept", "decline", "mark_won", "mark_lost"):
            response = client.post(
                reverse("referrals:act", args=[referral.pk, action]),
                {
                    "expected_state": state,
                    "deal_value": "5",
                    "currency": "USD",
                    "close_date": "2099-01-01",
                    "reason": "price",
                    "final_value": "5",
                },
            )
            assert response.status_code == 404, (state, action)
            assert "Sakura" not in response.content.decode()
        referral.refresh_from_db()
        assert referral.state == state


# --- CSV export -----------------------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_export_streams_the_partners_own_referrals_with_the_lists_filters(signed_in, partner, other_partner, owner):
    skipped = make_referral(partner, need="Old ERP")
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=owner)
    interested = make_referral(partner, need="New ERP", **CUSTOMER)
    lifecycle.mark_interested(interested, by=owner)
    make_referral(other_partner, need="Someone else's ERP")
    response = signed_in.get(reverse("referrals:export"), {"tab": "evaluating"})
    assert response["Content-Disposition"] == 'attachment; filename="referrals.csv"'
    rows = read_csv(response)
    assert [(row["Referral number"], row["State"], row["Customer email"]) for row in rows] == [
        (str(interested.pk), "evaluating", "hanako@yamada.example")
    ]
    archived = read_csv(signed_in.get(reverse("referrals:export"), {"tab": "archived", "q": "erp"}))
    assert [(row["Referral number"], row["Customer email"]) for row in archived] == [
        (str(skipped.pk), "")
    ]  # never said Interested
