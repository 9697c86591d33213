"""Money as each reader writes it: yen without decimals and with the right sign, budgets in the
currency the customer saw them in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import lifecycle
from referrals.models import RFI
from tests.factories import location_with_contact, make_referral, rfi_form_data

pytestmark = pytest.mark.django_db


def test_a_japanese_customer_chooses_a_budget_in_yen_and_the_partner_sees_it_in_yen(client, partner, owner):
    office = location_with_contact(partner)
    form = client.get(reverse("rfi_new"), {"location": office.pk}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "￥150万未満" in form and "￥150万～￥750万" in form and "US$" not in form
    response = client.post(
        reverse("rfi_new"),
        rfi_form_data([office], budget_range="medium", budget_currency="JPY"),
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 302
    assert RFI.objects.get().budget_currency == "JPY"
    referral = RFI.objects.get().referrals.get()
    lifecycle.mark_interested(referral, by=owner)  # the budget comes with the customer's details
    client.force_login(owner)  # the partner reads English
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "¥1.5M–¥7.5M" in page


def test_an_english_customer_sees_dollars_and_a_made_up_currency_changes_nothing(client, partner):
    office = location_with_contact(partner)
    form = client.get(reverse("rfi_new"), {"location": office.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Under $10K" in form and "$50K–$250K" in form
    data = rfi_form_data([office], budget_range="small", budget_currency="XXX")
    assert client.post(reverse("rfi_new"), data, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    assert RFI.objects.get().budget_currency == "USD"


def test_yen_show_without_decimals_and_the_won_form_starts_from_the_estimate(client, owner, partner):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    close = timezone.localdate() + timedelta(days=40)
    lifecycle.accept(referral, deal_value=Decimal("4500000"), currency="JPY", close_date=close, by=owner)
    client.force_login(owner)
    detail = reverse("referrals:detail", args=[referral.pk])
    page = client.get(detail).content.decode()
    assert "¥4,500,000" in page and "4,500,000.00" not in page
    assert 'name="final_value" value="4500000"' in page  # not 4500000.00
    owner.language = "ja"
    owner.save()
    assert "￥4,500,000" in client.get(detail, HTTP_ACCEPT_LANGUAGE="ja").content.decode()


def test_operators_see_the_budget_as_the_customer_chose_it(client, partner, operator):
    referral = make_referral(partner, budget_range="small", budget_currency="JPY")
    client.force_login(operator)
    page = client.get(reverse("admin:referrals_rfi_change", args=[referral.rfi_id])).content.decode()
    assert "Under ¥1.5M" in page and "US$10,000" not in page


def test_a_form_never_rounds_away_what_was_stored():
    from common.money import form_amount

    assert (form_amount(Decimal("4500000.00"), "JPY"), form_amount(Decimal("4500000.50"), "JPY")) == (
        "4500000",
        "4500000.50",
    )


def test_a_timeline_step_with_an_empty_earlier_estimate_reads_as_a_dash():
    from referrals.models import EventAction, ReferralEvent
    from referrals.templatetags.referral_tags import recorded

    step = ReferralEvent(
        action=EventAction.UPDATE_ESTIMATE,
        details={"deal_value": "10", "currency": "USD", "close_date": "2099-01-01",
                 "previous": {"deal_value": "", "currency": "", "close_date": ""}},
    )  # fmt: skip
    assert ("Previous estimate", "—, —") in recorded(step)
