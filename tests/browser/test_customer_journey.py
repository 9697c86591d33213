"""A customer finds two partners and sends one request; the emails arrive on a real SMTP server
on loopback; one partner says Not interested; the customer follows along and withdraws."""

from __future__ import annotations

import re

import pytest

from tests.factories import BusinessProfileFactory, ContactFactory, LocationFactory, PartnerCompanyFactory, UserFactory
from tests.smtp import smtp_server, smtp_settings  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def partner_with_office(name: str, office: str, contact_email: str):
    partner = PartnerCompanyFactory(name=name)
    profile = BusinessProfileFactory(partner=partner, solution_areas=["cloud_infrastructure"], headline=f"{name} cloud")
    location = LocationFactory(profile=profile, name=office, city="Tokyo")
    ContactFactory(location=location, email=contact_email, language="en")
    return partner


def link(text: str, pattern: str) -> str:
    return re.search(pattern, text).group(0)


def test_search_two_partners_send_not_interested_status_and_withdraw(new_page, live_server, smtp_settings, settings):  # noqa: F811
    mailbox = smtp_settings
    settings.SITE_URL = live_server.url
    sakura = partner_with_office("Sakura Cloud", "Tokyo HQ", "sales@sakura.example")
    partner_with_office("Fuji Systems", "Shinjuku office", "hello@fuji.example")
    UserFactory(username="sakura-user", partner=sakura)

    # The customer searches and picks both partners, each at an office.
    customer = new_page("en")
    customer.goto(f"{live_server.url}/partners/")
    customer.get_by_label("Region").select_option("JP")
    customer.get_by_label("Solution area").select_option("cloud_infrastructure")
    customer.get_by_role("button", name="Search").click()
    customer.get_by_label("Office to contact at Sakura Cloud").select_option(label="Tokyo HQ (Tokyo)")
    customer.get_by_label("Office to contact at Fuji Systems").select_option(label="Shinjuku office (Tokyo)")
    customer.get_by_role("button", name="Write my request to the chosen partners").click()
    chosen = customer.locator("#chosen").inner_text()
    assert "Sakura Cloud" in chosen and "Fuji Systems" in chosen

    # …writes the request (a first try without consent keeps what was typed)…
    customer.get_by_label("What do you need?").fill("Move our order system to the cloud before April.")
    customer.get_by_label("Your name", exact=True).fill("Hanako Yamada")
    customer.get_by_label("Company", exact=True).fill("Yamada Seisakusho")
    customer.get_by_label("Email", exact=True).fill("hanako@yamada.example")
    # What the search left open ("any industry", "any size") is for the customer to choose.
    assert customer.get_by_label("Company size").input_value() == ""
    customer.get_by_label("Industry").select_option("manufacturing")
    customer.get_by_label("Company size").select_option("medium")
    customer.get_by_role("button", name="Send my request").click()
    assert "please agree" in customer.content()
    assert (
        customer.get_by_label("What do you need?").input_value() == "Move our order system to the cloud before April."
    )
    customer.get_by_label("I agree that the partners I chose").check()
    customer.get_by_role("button", name="Send my request").click()
    assert "We received your request." in customer.content()
    sent_to = customer.locator("#sent-to").inner_text()
    assert "Sakura Cloud (Tokyo HQ)" in sent_to and "Fuji Systems (Shinjuku office)" in sent_to

    # Each office's contact hears of it, without the customer's contact details.
    mailbox.wait_for(3)
    [to_sakura] = mailbox.to("sales@sakura.example")
    [to_fuji] = mailbox.to("hello@fuji.example")
    for message in (to_sakura, to_fuji):
        text, html = mailbox.parts(message)
        assert "Move our order system to the cloud" in text and "Move our order system to the cloud" in html
        assert "hanako@yamada.example" not in text + html and "Hanako" not in text + html
    [confirmation] = mailbox.to("hanako@yamada.example")
    status_url = link(mailbox.parts(confirmation)[0], rf"{re.escape(live_server.url)}/requests/[\w-]+/")

    # Sakura's user follows the link in the email, signs in and says Not interested.
    referral_url = link(mailbox.parts(to_sakura)[0], rf"{re.escape(live_server.url)}/referrals/\d+/")
    partner = new_page("en")
    partner.goto(referral_url)
    partner.get_by_label("Username").fill("sakura-user")
    partner.get_by_label("Password").fill("pw-for-tests-1")
    partner.locator("form.form button[type=submit]").click()
    partner.wait_for_url(referral_url)
    partner.get_by_label("Reason").select_option(label="Outside the area we serve")
    partner.get_by_role("button", name="Not interested", exact=True).click()
    partner.get_by_role("button", name="Yes: Not interested").click()
    assert partner.locator("#state").inner_text() == "Skipped"

    # The customer is asked to choose another partner, with a search pre-filled with their needs.
    mailbox.wait_for(4)
    choose = [m for m in mailbox.to("hanako@yamada.example") if "choose another partner" in m["Subject"]]
    assert len(choose) == 1
    assert "solution_area=cloud_infrastructure" in mailbox.parts(choose[0])[0]

    # The status page shows both partners; the customer withdraws.
    customer.goto(status_url)
    rows = customer.locator("#status tbody tr")
    assert "Sakura Cloud" in rows.nth(1).inner_text() and "please choose another partner" in rows.nth(1).inner_text()
    assert "Fuji Systems" in rows.nth(0).inner_text() and "waiting" in rows.nth(0).inner_text()
    customer.get_by_role("link", name="Withdraw my request").click()
    customer.get_by_role("button", name="Yes, withdraw it").click()
    assert "Your request is withdrawn." in customer.content()
    assert "Withdrawn" in customer.locator("#status tbody tr").nth(0).inner_text()
    assert "please choose another partner" in customer.locator("#status tbody tr").nth(1).inner_text()
    mailbox.wait_for(6)
    [disconnected] = [m for m in mailbox.to("hello@fuji.example") if "disconnected" in m["Subject"]]
    assert disconnected
    # The customer has it in writing too.
    [withdrawn] = [m for m in mailbox.to("hanako@yamada.example") if "withdrawn" in m["Subject"]]
    assert "Fuji Systems" in mailbox.parts(withdrawn)[0]
