"""A customer's personal data, exported and erased on request by operator staff."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import actions
from referrals.models import Customer, Referral, State
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def won_referral(partner, owner):
    referral = make_referral(partner, customer__contact_name="Hanako Yamada", customer__email="hanako@yamada.example")
    actions.mark_interested(referral, by=owner)
    actions.accept(referral, by=owner, deal_value=Decimal("1000"), currency="USD", close_date=timezone.localdate())
    actions.mark_won(referral, by=owner, final_value=Decimal("1200"))
    referral.refresh_from_db()
    return referral


def run_action(client, action: str, customer: Customer):
    return client.post(
        reverse("admin:referrals_customer_changelist"), {"action": action, "_selected_action": [customer.pk]}
    )


def test_operator_exports_a_customers_personal_data(client, operator, won_referral):
    client.force_login(operator)
    customer = won_referral.rfi.customer
    response = run_action(client, "export_personal_data", customer)
    assert response["Content-Disposition"] == 'attachment; filename="customer-data.json"'
    [data] = json.loads(response.content)
    assert data["customer"]["email"] == "hanako@yamada.example"
    assert data["requests"][0]["need"] == won_referral.rfi.need
    assert data["requests"][0]["sent_to"] == [
        {"partner": "Sakura Cloud K.K.", "state": "won", "received_at": won_referral.received_at.isoformat()}
    ]


def test_erasing_a_customer_keeps_the_partners_statistics(client, operator, won_referral):
    client.force_login(operator)
    customer = won_referral.rfi.customer
    token = won_referral.rfi.status_token
    run_action(client, "erase_personal_data", customer)

    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert "Hanako" not in customer.contact_name and customer.email.endswith("@erased.invalid")
    referral = Referral.objects.get(pk=won_referral.pk)
    assert (referral.state, referral.final_value, referral.currency) == (State.WON, Decimal("1200.00"), "USD")
    assert referral.events.count() == 4
    assert referral.rfi.need == "[erased]"
    assert not OutboundEmail.objects.filter(body_text__contains="factory").exists()
    assert not OutboundEmail.objects.filter(to_email="hanako@yamada.example").exists()
    assert client.get(reverse("rfi_status", args=[token])).status_code == 404
