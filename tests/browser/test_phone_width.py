"""At 375 px (a phone), in both languages, no page is wider than the screen."""

from __future__ import annotations

import pytest

from referrals import lifecycle
from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_page_is_wider_than_a_phone(new_page, sign_in, live_server, owner, language):
    long_email = "hanako.yamada.procurement.department@yamada-seisakusho-holdings.example"
    evaluating = make_referral(owner.partner, customer__email=long_email, need="工場の生産管理をクラウドへ " * 8)
    lifecycle.mark_interested(evaluating, by=owner)
    skipped = make_referral(owner.partner)
    lifecycle.mark_not_interested(skipped, reason="not_a_fit", by=owner)
    page = new_page(language)
    page.set_viewport_size({"width": 375, "height": 800})
    public = [
        "/partners/",
        "/partners/?region=JP&solution_area=cloud_infrastructure",
        f"/partners/{evaluating.location.profile_id}/",
        f"/requests/new/?location={evaluating.location_id}",
        f"/requests/{evaluating.rfi.status_token}/",
        "/accounts/login/",
    ]
    signed_in = [
        "/referrals/dashboard/",
        "/referrals/?tab=new",
        "/referrals/?tab=evaluating",
        "/referrals/?tab=negotiating",
        "/referrals/?tab=archived",
        f"/referrals/{evaluating.pk}/",
        f"/referrals/{skipped.pk}/",
        "/insights/",
        "/account/business/",
        "/account/team/",
        "/account/changes/",
        "/account/api-keys/",
        "/account/webhooks/",
    ]
    too_wide = {}
    for path in public:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide[path] = width
    sign_in(page, "owner")
    for path in signed_in:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide[path] = width
    assert not too_wide, f"wider than 375 px ({language}): {too_wide}"
