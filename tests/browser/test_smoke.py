import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_user_signs_in_and_sees_their_referrals(new_page, sign_in, live_server, owner):
    from tests.factories import make_referral

    referral = make_referral(owner.partner)
    page = sign_in(new_page(), "owner")
    assert page.url.endswith("/referrals/")
    assert page.get_by_role("link", name=f"#{referral.pk}").is_visible()
