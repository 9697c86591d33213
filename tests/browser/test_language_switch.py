"""Switching the language on a page that shows a refused form keeps the page, what was typed and
the errors, now in the other language: for a customer's request and for a partner's action."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_triage import WORDS, click, open_referral
from tests.factories import location_with_contact, make_referral

pytestmark = pytest.mark.django_db(transaction=True)

OTHER = {"en": "ja", "ja": "en"}
NEED_TOO_SHORT = {"en": "Describe your need in at least 10 characters.", "ja": "ご要望を10文字以上でご記入ください。"}


def switch_language(page, language: str) -> None:
    page.locator("#language-select").select_option(language)
    with page.expect_navigation():
        page.locator(".language-switch button").click()
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_customer_switches_language_after_a_refused_request(new_page, live_server, partner, language):
    location = location_with_contact(partner)
    page = new_page(language)
    page.goto(f"{live_server.url}/requests/new/?location={location.pk}")
    page.locator("[name=contact_name]").fill("Hanako Yamada")
    page.locator("[name=company_name]").fill("Yamada Works")
    page.locator("[name=email]").fill("hanako@yamada.example")
    page.locator("[name=need]").fill("   Cloud   ")  # long enough for the browser, too short once trimmed
    page.locator("[name=consent]").check()
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("load")
    refused_at = page.url
    assert NEED_TOO_SHORT[language] in page.content()

    switch_language(page, OTHER[language])
    assert page.url == refused_at, "the same page"
    assert NEED_TOO_SHORT[OTHER[language]] in page.content(), "its errors, in the other language"
    expect(page.locator("[name=contact_name]")).to_have_value("Hanako Yamada")
    expect(page.locator("[name=email]")).to_have_value("hanako@yamada.example")
    expect(page.locator("[name=need]")).to_have_value("   Cloud   ")
    expect(page.locator("[name=consent]")).to_be_checked()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_partner_switches_language_after_a_refused_action(new_page, sign_in, live_server, owner, language):
    referral = make_referral(owner.partner)
    page = sign_in(new_page(language), "owner")
    open_referral(page, live_server, referral)
    click(page, WORDS[language]["interested"])
    page.get_by_label(WORDS[language]["value"]).fill("-100")
    page.get_by_label(WORDS[language]["currency"]).select_option("JPY")
    click(page, WORDS[language]["accept"])
    assert WORDS[language]["bad_amount"] in page.content()

    other = WORDS[OTHER[language]]
    switch_language(page, OTHER[language])
    assert page.url == f"{live_server.url}/referrals/{referral.pk}/"
    assert other["bad_amount"] in page.content() and page.title().startswith(other["error"])
    expect(page.get_by_label(other["value"])).to_have_value("-100")
    expect(page.get_by_label(other["currency"])).to_have_value("JPY")
    referral.refresh_from_db()
    assert referral.state == "evaluating"

    page.reload()  # a plain visit: the referral as it is
    assert other["bad_amount"] not in page.content()
