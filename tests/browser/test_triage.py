"""A partner user triages referrals in Chromium, in English and in Japanese."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the page says, by language (DOMAIN.md's terms).
WORDS = {
    "en": {
        "interested": "Interested",
        "not_interested": "Not interested",
        "accept": "Accept",
        "decline": "Decline",
        "won": "Report as won",
        "new": "New",
        "evaluating": "Evaluating",
        "negotiating": "Negotiating",
        "state_won": "Won",
        "declined": "Declined",
        "skipped": "Skipped",
        "value": "Estimated deal value",
        "currency": "Currency",
        "close_date": "Estimated close date",
        "final_value": "Final deal value",
        "reason": "Reason",
        "note": "Note (optional)",
        "hidden": "shown once you say Interested",
        "bad_amount": "Enter an amount greater than zero.",
        "past_date": "The estimated close date cannot be in the past.",
        "no_capacity": "No capacity at the moment",
        "outside_area": "Outside the area we serve",
        "error": "Error: ",
        "update_estimate": "Update the estimate",
        "estimate_updated": "Estimate updated",
        "confirm_skip": "Yes: Not interested",
        "skip_question": "The referral is archived",
        "yen": "¥",
    },
    "ja": {
        "interested": "興味あり",
        "not_interested": "興味なし",
        "accept": "承諾",
        "decline": "辞退",
        "won": "受注として報告",
        "new": "新規",
        "evaluating": "評価中",
        "negotiating": "交渉中",
        "state_won": "受注",
        "declined": "辞退済み",
        "skipped": "スキップしました",
        "value": "取引の見積金額",
        "currency": "通貨",
        "close_date": "予定終了日",
        "final_value": "最終的な取引金額",
        "reason": "理由",
        "note": "メモ（任意）",
        "hidden": "[興味あり]を選ぶと",
        "bad_amount": "0より大きい金額を入力してください。",
        "past_date": "予定終了日に過去の日付は指定できません。",
        "no_capacity": "現在対応できる体制がない",
        "outside_area": "対応地域外",
        "error": "エラー：",
        "update_estimate": "見積もりを更新",
        "estimate_updated": "見積もりを更新",
        "confirm_skip": "はい：興味なし",
        "skip_question": "アーカイブ",
        "yen": "￥",
    },
}

CUSTOMER = {"customer__contact_name": "Hanako Yamada", "customer__email": "hanako@yamada.example"}


def open_referral(page, live_server, referral):
    page.goto(f"{live_server.url}/referrals/dashboard/")
    page.get_by_role("link", name=f"#{referral.pk}", exact=True).first.click()
    page.wait_for_url(re.compile(rf"/referrals/{referral.pk}/$"))


def state(page) -> str:
    return page.locator("#state").inner_text()


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_interested_then_accept_with_bad_input_corrected_then_won(new_page, sign_in, live_server, owner, language):
    w = WORDS[language]
    referral = make_referral(owner.partner, need="工場の生産管理をクラウドへ", **CUSTOMER)
    page = sign_in(new_page(language), "owner")
    open_referral(page, live_server, referral)

    assert state(page) == w["new"]
    assert "工場の生産管理をクラウドへ" in page.content()
    assert w["hidden"] in page.locator("#customer-hidden").inner_text()
    assert "Hanako" not in page.content() and "hanako@yamada.example" not in page.content()
    assert page.get_by_role("button", name=w["accept"], exact=True).count() == 0  # not allowed yet

    click(page, w["interested"])
    assert state(page) == w["evaluating"]
    assert "Hanako Yamada" in page.locator("#customer").inner_text()
    assert "hanako@yamada.example" in page.locator("#customer").inner_text()

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page.get_by_label(w["value"]).fill("-100")
    page.get_by_label(w["currency"]).select_option("JPY")
    page.get_by_label(w["close_date"]).fill(yesterday)
    click(page, w["accept"])
    assert w["bad_amount"] in page.content()
    assert w["past_date"] in page.content()
    assert state(page) == w["evaluating"]
    # Announced: focus on the summary of what went wrong, each field described by its message.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    expect(page.get_by_label(w["value"])).to_have_accessible_description(w["bad_amount"])
    assert page.title().startswith(w["error"])
    # The refused form's address is the referral's own: reloading it posts nothing again.
    assert page.url == f"{live_server.url}/referrals/{referral.pk}/"
    page.reload()
    assert w["bad_amount"] not in page.content() and state(page) == w["evaluating"]

    page.get_by_label(w["currency"]).select_option("JPY")
    page.get_by_label(w["value"]).fill("2500000")
    page.get_by_label(w["close_date"]).fill((timezone.localdate() + timedelta(days=30)).isoformat())
    click(page, w["accept"])
    assert state(page) == w["negotiating"]
    assert f"{w['yen']}2,500,000" in page.locator("#deal").inner_text()

    # The deal moves: a new estimate, recorded on the timeline with what it was.
    page.get_by_label(w["value"]).fill("3100000")
    page.get_by_label(w["close_date"]).fill((timezone.localdate() + timedelta(days=75)).isoformat())
    click(page, w["update_estimate"])
    assert f"{w['yen']}3,100,000" in page.locator("#deal").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert w["estimate_updated"] in timeline and f"{w['yen']}2,500,000" in timeline

    expect(page.get_by_label(w["final_value"])).to_have_value("3100000")  # yen have no decimals
    page.get_by_label(w["final_value"]).fill("2600000")
    click(page, w["won"])
    assert state(page) == w["state_won"]
    assert page.locator("#timeline li").count() == 5  # received, interested, accepted, estimate updated, won
    assert page.get_by_role("button").filter(has_text=w["interested"]).count() == 0


@pytest.mark.parametrize("language", ["en", "ja"])
def test_interested_then_decline_with_a_reason(new_page, sign_in, live_server, owner, language):
    w = WORDS[language]
    referral = make_referral(owner.partner, **CUSTOMER)
    page = sign_in(new_page(language), "owner")
    open_referral(page, live_server, referral)
    click(page, w["interested"])
    page.get_by_label(w["reason"]).select_option(label=w["no_capacity"])
    page.get_by_label(w["note"], exact=True).fill("今月は対応できません")
    click(page, w["decline"])
    assert state(page) == w["declined"]
    assert w["no_capacity"] in page.content()
    assert "今月は対応できません" in page.locator("#timeline").inner_text()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_not_interested_archives_it_as_skipped_and_keeps_the_customer_hidden(
    new_page, sign_in, live_server, owner, language
):
    w = WORDS[language]
    referral = make_referral(owner.partner, **CUSTOMER)
    page = sign_in(new_page(language), "owner")
    open_referral(page, live_server, referral)
    page.get_by_label(w["reason"]).first.select_option(label=w["outside_area"])
    click(page, w["not_interested"])
    # Asked once more, with the reason chosen; nothing has changed yet.
    assert w["skip_question"] in page.locator("main").inner_text()
    assert w["outside_area"] in page.locator("main").inner_text()
    assert referral.__class__.objects.get(pk=referral.pk).state == "new"
    click(page, w["confirm_skip"])
    assert state(page) == w["skipped"]
    assert w["outside_area"] in page.content()
    assert "Hanako" not in page.content()
    referral.refresh_from_db()
    assert referral.skip_reason == "location"


def test_a_stale_page_gets_a_message_not_an_error(new_page, sign_in, live_server, owner, teammate):
    from referrals import lifecycle

    referral = make_referral(owner.partner)
    page = sign_in(new_page("en"), "owner")
    open_referral(page, live_server, referral)
    lifecycle.mark_not_interested(referral, reason="not_a_fit", by=teammate)  # a teammate was faster
    click(page, "Interested")
    assert "This referral changed meanwhile: it is now Skipped." in page.content()
    assert state(page) == "Skipped"


def test_the_language_can_be_switched(new_page, sign_in, live_server, owner):
    page = sign_in(new_page("en"), "owner")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "応答が必要" in page.content()


def test_the_accounts_language_applies_at_sign_in_whatever_the_browser_asks(new_page, live_server, owner):
    from profiles.models import User

    make_referral(owner.partner)
    page = new_page("en")  # an English browser
    page.goto(f"{live_server.url}/accounts/login/")
    User.objects.filter(pk=owner.pk).update(language="ja")  # the account says Japanese
    page.locator("#id_username").fill("owner")
    page.locator("#id_password").fill("pw-for-tests-1")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "ダッシュボード" in page.title()
    # Switched on a page, the account follows: the next sign-in is in English.
    page.get_by_label("言語").select_option("en")
    page.get_by_role("button", name="切り替え").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert User.objects.get(pk=owner.pk).language == "en"
