"""The Content Security Policy holds in a real browser: no page (the admin included) runs or
loads anything the policy refuses."""

from __future__ import annotations

import pytest

from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations_on(page, urls: list[str]) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
    return seen


def test_partner_and_customer_pages_break_no_policy(new_page, sign_in, live_server, owner):
    referral = make_referral(owner.partner)
    page = sign_in(new_page("en"), "owner")
    base = live_server.url
    urls = [
        f"{base}/referrals/dashboard/",
        f"{base}/referrals/",
        f"{base}/referrals/{referral.pk}/",
        f"{base}/insights/",
        f"{base}/partners/?region=JP",
        f"{base}/requests/{referral.rfi.status_token}/",
    ]
    assert violations_on(page, urls) == []


def test_the_admin_breaks_no_policy(new_page, live_server, operator, partner):
    referral = make_referral(partner)
    page = new_page("en")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")
    base = f"{live_server.url}/admin"
    urls = [
        f"{base}/",
        f"{base}/referrals/referral/",
        f"{base}/referrals/referral/{referral.pk}/change/",
        f"{base}/profiles/businessprofile/{referral.location.profile_id}/change/",
        f"{base}/referrals/rfi/add/",
        f"{base}/referrals/referral/report/",
    ]
    assert violations_on(page, urls) == []


def test_the_api_docs_work_under_the_policy(new_page, live_server):
    """Swagger UI, served by the portal (drf-spectacular-sidecar), draws every operation."""
    page = new_page("en")
    seen = violations_on(page, [f"{live_server.url}/api/v1/docs/"])
    page.locator(".opblock").first.wait_for()
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/referrals/{id}/accept/" in text for text in operations), operations

    assert seen == []
