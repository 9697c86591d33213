"""In Chromium, in English and Japanese: the inbox sorted by urgency and filtered by location and
deal value with the CSV following; the customer's one-click second request from the failure
email on the loopback SMTP server; the duplicate notice only for the partner that had the first."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from referrals import lifecycle, rfis, sweeps
from referrals.models import Referral
from tests.factories import BusinessProfileFactory, ContactFactory, LocationFactory, PartnerCompanyFactory, UserFactory
from tests.smtp import smtp_server, smtp_settings  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "location": "Location", "apply": "Apply", "csv": "Download CSV", "fails_soon": "Fails soon",
        "negotiating": "Negotiating", "value_min": "Deal value from", "value_max": "Deal value up to",
        "send_to": "Send to {}", "waiting": "waiting for the partner's answer",
        "asked": "The same customer asked you on", "choose": "choose another partner", "number": "Referral number",
    },
    "ja": {
        "location": "拠点", "apply": "適用", "csv": "CSVをダウンロード", "fails_soon": "まもなく失敗",
        "negotiating": "交渉中", "value_min": "取引金額（下限）", "value_max": "取引金額（上限）",
        "send_to": "{}に送信", "waiting": "パートナーの回答を待っています", "asked": "にも依頼がありました",
        "choose": "別のパートナー", "number": "紹介案件番号",
    },
}  # fmt: skip


def office(partner_name: str, office_name: str, contact: str, *, area: str = "cloud_infrastructure"):
    partner = PartnerCompanyFactory(name=partner_name)
    profile = BusinessProfileFactory(partner=partner, solution_areas=[area])
    location = LocationFactory(profile=profile, name=office_name, city="Tokyo")
    ContactFactory(location=location, email=contact, language="en")
    return location


def send(locations, *, email: str, language: str, area: str = "cloud_infrastructure", now=None):
    customer = rfis.CustomerDetails("Hanako Yamada", "Yamada Seisakusho", email, "", language)
    fields = {"need": "Move our order system to the cloud.", "industry": "retail", "company_size": "medium"}
    fields |= {"region": "JP", "budget_range": "medium", "timeline": "quarter", "consent_to_share": True}
    return rfis.submit_rfi(customer, locations, now=now, solution_area=area, **fields)


def shown_ids(page) -> list[int]:
    return [int(text.lstrip("#")) for text in page.locator("table.inbox a.row-link").all_inner_texts()]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_inbox_sorts_by_urgency_and_filters_by_location_and_value_with_the_csv_following(
    new_page, sign_in, live_server, language
):
    w = WORDS[language]
    tokyo = office("Sakura Cloud", "Tokyo office", "tokyo@sakura.example")
    osaka = LocationFactory(profile=tokyo.profile, name="Osaka office", city="Osaka")
    ContactFactory(location=osaka)
    user = UserFactory(username="sakura", partner=tokyo.profile.partner, language=language)
    now = timezone.now()
    fresh = send([tokyo], email="a@one.example", language="en", now=now - timedelta(hours=1)).referrals.get()
    urgent = send([osaka], email="b@two.example", language="en", now=now - timedelta(hours=66)).referrals.get()
    middle = send([tokyo], email="c@three.example", language="en", now=now - timedelta(hours=20)).referrals.get()
    deals = []
    for value, place in (("800000", tokyo), ("2500000", tokyo), ("2500000", osaka), ("9000000", tokyo)):
        referral = send([place], email=f"deal{value}{place.pk}@four.example", language="en").referrals.get()
        lifecycle.mark_interested(referral, by=user)
        close = timezone.localdate() + timedelta(days=30)
        deals.append(lifecycle.accept(referral, by=user, deal_value=Decimal(value), currency="JPY", close_date=close))

    page = sign_in(new_page(language), "sakura")
    page.goto(f"{live_server.url}/referrals/")
    assert shown_ids(page) == [urgent.pk, middle.pk, fresh.pk]  # the one that fails first, first
    assert w["fails_soon"] in page.locator("table.inbox tbody tr").first.inner_text()

    page.get_by_label(w["location"], exact=True).select_option(label="Tokyo office")
    page.get_by_role("button", name=w["apply"]).click()
    page.wait_for_load_state("load")
    assert shown_ids(page) == [middle.pk, fresh.pk]
    assert "Tokyo office" in page.title() and f"location={tokyo.pk}" in page.url
    page.go_back()  # the back button returns to the unfiltered inbox
    assert shown_ids(page) == [urgent.pk, middle.pk, fresh.pk]

    page.get_by_role("link", name=re.compile(w["negotiating"])).click()
    page.get_by_label(w["location"], exact=True).select_option(label="Tokyo office")
    page.get_by_label(w["value_min"]).fill("1000000")
    page.get_by_label(w["value_max"]).fill("9000000")
    page.get_by_role("button", name=w["apply"]).click()
    page.wait_for_load_state("load")
    assert set(shown_ids(page)) == {deals[1].pk, deals[3].pk}
    with page.expect_download() as download:
        page.get_by_role("link", name=w["csv"]).click()
    body = download.value.path().read_text(encoding="utf-8-sig")
    assert sorted(int(row[w["number"]]) for row in csv.DictReader(io.StringIO(body))) == sorted(
        [deals[1].pk, deals[3].pk]
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_failed_referral_email_sends_the_same_request_to_a_new_partner_with_one_click(
    new_page,
    live_server,
    smtp_settings,  # noqa: F811 - the fixture
    settings,
    language,
):
    mailbox = smtp_settings
    settings.SITE_URL = live_server.url
    w = WORDS[language]
    sakura = office("Sakura Cloud", "Tokyo HQ", "sales@sakura.example")
    office("Fuji Systems", "Shinjuku office", "hello@fuji.example")
    rfi = send([sakura], email="hanako@yamada.example", language=language, now=timezone.now() - timedelta(hours=73))
    mailbox.wait_for(2)  # Sakura's contact and the customer's confirmation
    sweeps.fail_overdue(timezone.now())  # 72 hours without an answer
    mailbox.wait_until(lambda: any(w["choose"] in m["Subject"] for m in mailbox.to("hanako@yamada.example")))
    [failure] = [m for m in mailbox.to("hanako@yamada.example") if w["choose"] in m["Subject"]]
    text, _html = mailbox.parts(failure)
    assert "Sakura Cloud" in text and "Fuji Systems" in text
    one_click = re.search(rf"{re.escape(live_server.url)}/requests/[\w-]+/another/\d+/", text).group(0)

    customer = new_page(language)
    customer.goto(one_click)
    customer.get_by_role("button", name=w["send_to"].format("Fuji Systems")).click()
    rows = customer.locator("#status tbody tr")
    assert "Fuji Systems" in rows.nth(0).inner_text() and w["waiting"] in rows.nth(0).inner_text()
    new = Referral.objects.get(rfi=rfi, partner__name="Fuji Systems")
    assert new.state == "new"
    # Fuji's contact hears of it, as of any new referral.
    mailbox.wait_until(lambda: mailbox.to("hello@fuji.example"))
    [to_fuji] = mailbox.to("hello@fuji.example")
    assert f"/referrals/{new.pk}/" in mailbox.parts(to_fuji)[0]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_duplicate_notice_shows_only_to_the_partner_that_had_the_first_request(
    new_page, sign_in, live_server, language
):
    w = WORDS[language]
    sakura = office("Sakura Cloud", "Tokyo HQ", "sales@sakura.example", area="security")
    fuji = office("Fuji Systems", "Shinjuku office", "hello@fuji.example", area="security")
    UserFactory(username="sakura", partner=sakura.profile.partner, language=language)
    UserFactory(username="fuji", partner=fuji.profile.partner, language=language)
    first = send([sakura], email="taro@yamada.example", language="en", area="security")
    second = send([sakura, fuji], email="jiro@yamada.example", language="en", area="security")  # a colleague
    earlier = first.referrals.get()
    for username, location, told in (("sakura", sakura, True), ("fuji", fuji, False)):
        page = sign_in(new_page(language), username)
        page.goto(f"{live_server.url}/referrals/{second.referrals.get(location=location).pk}/")
        assert (w["asked"] in page.content()) is told
        assert (page.locator(f"#same-customer a[href='/referrals/{earlier.pk}/']").count() == 1) is told
