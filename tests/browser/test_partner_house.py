"""A referral admin runs the partner's house in Chromium: trims the profile so that a customer's
search no longer finds it, opens a new region with a location and its contact, invites a
colleague whose invitation arrives on the SMTP server of the tests; the colleague joins as a
referral user of one location, sees only that location's referrals, finds the one assigned to
them and writes a note on its timeline. Run with the admin in Japanese and the colleague in
English, and the other way round."""

from __future__ import annotations

import re

import pytest
from django.utils.text import capfirst
from django.utils.translation import gettext, override

from profiles.choices import CompanySize, Region
from profiles.models import BusinessProfile, User
from tests.factories import BusinessProfileFactory, ContactFactory, LocationFactory, UserFactory, make_referral
from tests.smtp import smtp_server, smtp_settings  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKYO_NEED = "Move our factory scheduling system to the cloud."
OSAKA_NEED = "Analytics for our Osaka stores."


class Words:
    """The page's words in one language, from the catalogue the portal itself uses (that every
    string has its Japanese is tests/test_translations.py's job)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, text: str) -> str:
        with override(self.language):
            return capfirst(gettext(text))

    def label(self, choice) -> str:
        with override(self.language):
            return str(choice.label)


def search(page, live_server, *, region: str, company_size: str = "", keywords: str = "") -> list[str]:
    """A customer's search; the partners it lists."""
    page.goto(f"{live_server.url}/partners/")
    page.get_by_label("Region").select_option(region)
    if company_size:
        page.get_by_label("Company size").select_option(company_size)
    page.get_by_label("Keywords").fill(keywords)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    return page.locator("ol.results li.result h3").all_inner_texts()


def in_language(page, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize(("admin_language", "colleague_language"), [("ja", "en"), ("en", "ja")])
def test_an_admin_shapes_the_house_and_a_colleague_joins_and_works_one_location(
    new_page,
    sign_in,
    live_server,
    smtp_settings,  # noqa: F811
    settings,
    admin_language,
    colleague_language,
):
    mailbox = smtp_settings
    settings.SITE_URL = live_server.url
    admin_words, colleague_words = Words(admin_language), Words(colleague_language)
    admin_user = UserFactory(username="aoi", first_name="Aoi", language=admin_language)
    sakura = admin_user.partner
    japan = BusinessProfileFactory(
        partner=sakura,
        region="JP",
        headline="Cloud for factories",
        keywords="kintone, SAP",
        company_sizes=["small", "medium"],
    )
    tokyo = LocationFactory(profile=japan, name="Tokyo HQ", city="Tokyo")
    osaka = LocationFactory(profile=japan, name="Osaka office", city="Osaka")
    for location in (tokyo, osaka):
        ContactFactory(location=location)
    BusinessProfileFactory(partner=sakura, region="US", headline="Cloud for US plants", is_active=False)
    in_tokyo = make_referral(location=tokyo, need=TOKYO_NEED)
    in_osaka = make_referral(location=osaka, need=OSAKA_NEED)

    # A customer looking for a kintone partner, or one for a small company, finds Sakura today.
    customer = new_page("en")
    assert search(customer, live_server, region="JP", keywords="kintone") == [sakura.name]
    assert search(customer, live_server, region="JP", company_size="small") == [sakura.name]

    # The admin unticks the keyword and the small companies.
    admin = sign_in(new_page(admin_language), "aoi")
    admin.get_by_role("link", name=admin_words("Your company")).click()
    in_language(admin, admin_language)
    admin.get_by_role("link", name=admin_words.label(Region.JAPAN), exact=True).click()
    admin.get_by_label("kintone", exact=True).uncheck()
    admin.get_by_label(admin_words.label(CompanySize.SMALL)).uncheck()
    admin.get_by_role("button", name=admin_words("Save the profile")).click()
    assert admin_words("The profile is saved: partner search shows it as it is now.") in admin.content()

    # The same searches no longer list Sakura; one through what it kept still does.
    assert search(customer, live_server, region="JP", keywords="kintone") == []
    assert search(customer, live_server, region="JP", company_size="small") == []
    assert search(customer, live_server, region="JP", keywords="SAP") == [sakura.name]

    # The admin opens the United States: a location with a contact, then the profile goes live.
    assert search(customer, live_server, region="US") == []
    admin.get_by_role("link", name=admin_words("Your company")).click()
    us_heading = admin.get_by_role("heading", name=admin_words.label(Region.UNITED_STATES))
    us_card = admin.locator("section.profile-card", has=us_heading)
    us_card.get_by_role("link", name=admin_words("Add a location")).click()
    admin.locator("#id_name").fill("Chicago office")
    admin.locator("#id_city").fill("Chicago")
    contact = admin.locator("fieldset.contact")
    contact.get_by_label(admin_words("name"), exact=True).fill("Jane Miller")
    contact.get_by_label(admin_words("email"), exact=True).fill("jane@sakura.example")
    contact.get_by_label(admin_words("language"), exact=True).select_option("en")
    admin.get_by_role("button", name=admin_words("Save the location")).click()
    assert admin_words("%(location)s is saved.") % {"location": "Chicago office"} in admin.content()
    admin.get_by_label(admin_words("active"), exact=True).check()
    admin.get_by_role("button", name=admin_words("Save the profile")).click()
    assert BusinessProfile.objects.get(partner=sakura, region="US").is_active
    assert search(customer, live_server, region="US") == [sakura.name]

    # The admin invites a colleague as a referral user of Tokyo HQ, in the colleague's language.
    admin.get_by_role("link", name=admin_words("Your company")).click()
    admin.get_by_role("link", name=admin_words("Team"), exact=True).click()
    admin.get_by_label(admin_words("Email"), exact=True).fill("kenji@sakura.example")
    admin.get_by_label(admin_words("Role")).select_option("user")
    admin.get_by_label("Tokyo HQ (Tokyo)").check()
    admin.get_by_label(admin_words("Language of the invitation")).select_option(colleague_language)
    admin.get_by_role("button", name=admin_words("Send the invitation")).click()
    assert "kenji@sakura.example" in admin.locator("ul.invitations").inner_text()

    mailbox.wait_until(lambda: mailbox.to("kenji@sakura.example"))
    [invitation] = mailbox.to("kenji@sakura.example")
    subject = colleague_words("You are invited to %(partner)s's referrals") % {"partner": sakura.name}
    assert invitation["Subject"].strip() == subject
    link = re.search(rf"{re.escape(live_server.url)}/account/invitations/[\w:-]+/", mailbox.parts(invitation)[0])
    assert link, mailbox.parts(invitation)[0]

    # The colleague sets a password and is signed in as a referral user of Tokyo HQ.
    colleague = new_page(colleague_language)
    colleague.goto(link.group(0))
    in_language(colleague, colleague_language)
    colleague.get_by_label(colleague_words("Username"), exact=True).fill("kenji")
    colleague.get_by_label(colleague_words("First name"), exact=True).fill("Kenji")
    colleague.get_by_label(colleague_words("Password"), exact=True).fill("a-long-pass-for-kenji")
    colleague.get_by_label(colleague_words("Password again"), exact=True).fill("a-long-pass-for-kenji")
    colleague.get_by_role("button", name=colleague_words("Join and sign in")).click()
    colleague.wait_for_load_state("load")
    kenji = User.objects.get(username="kenji")
    assert kenji.partner == sakura and kenji.role == User.Role.USER
    assert list(kenji.locations.all()) == [tokyo]

    # Kenji sees Tokyo's referral, not Osaka's; Osaka's page is a 404 for him.
    colleague.get_by_role("link", name=colleague_words("Customer referrals"), exact=True).click()
    inbox = colleague.locator("table.referrals").inner_text()
    assert TOKYO_NEED in inbox and OSAKA_NEED not in inbox
    assert colleague.goto(f"{live_server.url}/referrals/{in_osaka.pk}/").status == 404
    colleague.goto(f"{live_server.url}/referrals/")
    colleague.get_by_label(colleague_words("Owner")).select_option("me")
    colleague.get_by_role("button", name=colleague_words("Apply")).click()
    assert TOKYO_NEED not in colleague.locator("table.referrals").inner_text()

    # The admin assigns Tokyo's referral to Kenji with a note; the email reaches him.
    admin.goto(f"{live_server.url}/referrals/{in_tokyo.pk}/")
    assign = admin.locator("form.action-assign")
    assign.get_by_label(admin_words("Owner"), exact=True).select_option(label="Kenji")
    assign.get_by_label(admin_words("Note to the owner (optional)")).fill("Call them before Friday.")
    assign.get_by_role("button", name=admin_words("Assign")).click()
    assert admin_words("The owner is set.") in admin.content()
    mailbox.wait_until(lambda: len(mailbox.to("kenji@sakura.example")) == 2)
    assigned = mailbox.to("kenji@sakura.example")[1]
    assert f"/referrals/{in_tokyo.pk}/" in mailbox.parts(assigned)[0]
    assert "Call them before Friday." in mailbox.parts(assigned)[0]

    # Kenji finds it under "Assigned to me", opens it and writes a note the timeline shows.
    colleague.goto(f"{live_server.url}/referrals/")
    colleague.get_by_label(colleague_words("Owner")).select_option("me")
    colleague.get_by_role("button", name=colleague_words("Apply")).click()
    colleague.get_by_role("link", name=f"#{in_tokyo.pk}", exact=True).click()
    colleague.wait_for_url(re.compile(rf"/referrals/{in_tokyo.pk}/$"))
    timeline = colleague.locator("#timeline")
    assert "Call them before Friday." in timeline.inner_text()
    note = colleague.locator("form.action-add_note")
    note.get_by_label(colleague_words("Internal note")).fill("Called: they want a demo in March.")
    note.get_by_role("button", name=colleague_words("Add the note")).click()
    assert colleague_words("The note is on the timeline.") in colleague.content()
    entries = colleague.locator("#timeline li").all_inner_texts()
    assert any("Called: they want a demo in March." in entry and "Kenji" in entry for entry in entries)
