"""axe-core (the engine of Lighthouse's and browsers' accessibility checks) on the portal's
pages in Chromium, in both languages: the public pages, a partner admin's pages, and forms in
their error state."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from referrals import lifecycle
from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_pages_have_no_axe_violations(new_page, sign_in, live_server, owner, operator, language):
    evaluating = make_referral(owner.partner)
    lifecycle.mark_interested(evaluating, by=owner)
    new = make_referral(owner.partner)
    page = new_page(language)
    found: dict[str, list[str]] = {}

    def check(path, then=None):
        page.goto(live_server.url + path)
        if then:
            then()
            page.wait_for_load_state("load")
        if problems := violations(page):
            found[path + (" (after a refused form)" if then else "")] = problems

    check("/partners/")
    check("/partners/?region=JP&solution_area=cloud_infrastructure")
    check(
        "/partners/?region=JP&solution_area=cloud_infrastructure",
        then=lambda: page.locator("form.results-form button[type=submit]").click(),  # no office chosen
    )
    check(f"/partners/{evaluating.location.profile_id}/")
    check(f"/requests/new/?location={evaluating.location_id}")
    check(
        f"/requests/new/?location={evaluating.location_id}",
        then=lambda: page.locator("form.rfi-form button[type=submit]").click(),
    )
    check(f"/requests/{evaluating.rfi.status_token}/")
    check("/accounts/login/")
    sign_in(page, "owner")
    for path in (
        "/referrals/dashboard/", "/referrals/?tab=new", "/referrals/?tab=evaluating", "/referrals/?tab=archived",
        f"/referrals/{new.pk}/", f"/referrals/{evaluating.pk}/", "/insights/", "/account/business/", "/account/team/",
        "/account/changes/", "/account/api-keys/", "/account/webhooks/",
    ):  # fmt: skip
        check(path)
    check(f"/referrals/{evaluating.pk}/", then=lambda: page.locator("form.action-accept button[type=submit]").click())
    check("/referrals/?tab=new&received_from=2026-02-31")
    # The operators' admin, signed in as staff.
    staff = new_page(language)
    page = staff
    sign_in(staff, "operator")
    for path in (
        "/admin/", "/admin/referrals/referral/", f"/admin/referrals/referral/{evaluating.pk}/change/",
        "/admin/referrals/rfi/", f"/admin/referrals/rfi/{evaluating.rfi_id}/change/", "/admin/outbox/outboundemail/",
        "/admin/profiles/partnercompany/", "/admin/referrals/blockedsender/add/",
    ):  # fmt: skip
        check(path)
    # A referral user of the referral's location, and operator staff who may only view.
    from django.contrib.auth.models import Permission

    from tests.factories import StaffUserFactory, scoped_user

    scoped_user(owner.partner, evaluating.location, username="tokyo-user")
    viewer = StaffUserFactory(username="viewer", is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    page = new_page(language)
    sign_in(page, "tokyo-user")
    for path in ("/referrals/dashboard/", "/referrals/?tab=evaluating", f"/referrals/{evaluating.pk}/", "/insights/"):
        check(path)
    page = new_page(language)
    sign_in(page, "viewer")
    for path in ("/admin/", "/admin/referrals/referral/", f"/admin/referrals/referral/{evaluating.pk}/change/"):
        check(path)
    assert not found, found
