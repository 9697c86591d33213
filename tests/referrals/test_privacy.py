"""A customer's personal data, exported and erased on request by operator staff."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from outbox import sending
from outbox.models import OutboundEmail
from referrals import lifecycle
from referrals.models import RFI, Customer, Referral, State
from tests.factories import location_with_contact, make_referral, rfi_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def won_referral(partner, owner):
    referral = make_referral(partner, customer__contact_name="Hanako Yamada", customer__email="hanako@yamada.example")
    lifecycle.mark_interested(referral, by=owner)
    lifecycle.accept(referral, by=owner, deal_value=Decimal("1000"), currency="USD", close_date=timezone.localdate())
    lifecycle.mark_won(referral, by=owner, final_value=Decimal("1200"))
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
    run_action(client, "erase_personal_data", customer)

    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert "Hanako" not in customer.contact_name and customer.email.endswith("@erased.invalid")
    referral = Referral.objects.get(pk=won_referral.pk)
    assert (referral.state, referral.final_value, referral.currency) == (State.WON, Decimal("1200.00"), "USD")
    assert referral.events.count() == 4
    assert referral.rfi.need == "[erased]"
    assert not OutboundEmail.objects.filter(to_email="hanako@yamada.example").exists()


@pytest.fixture
def request_to_two_partners(client, partner, other_partner, django_capture_on_commit_callbacks):
    """A customer's request to two partners, the confirmation sent, the partners' emails waiting."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("rfi_new"),
            rfi_form_data([location_with_contact(partner), location_with_contact(other_partner)]),
        )
    rfi = RFI.objects.get()
    # The partners' emails not sent yet.
    OutboundEmail.objects.exclude(template="rfi_received").update(
        status="pending", attempts=0, next_attempt_at=timezone.now()
    )
    return rfi


def test_an_erased_customers_link_stops_working_and_cannot_be_guessed(client, operator, request_to_two_partners):
    rfi = request_to_two_partners
    token = rfi.status_token
    assert client.get(reverse("rfi_status", args=[token])).status_code == 200
    client.force_login(operator)
    run_action(client, "erase_personal_data", rfi.customer)
    client.logout()
    rfi.refresh_from_db()
    assert rfi.status_digest is None and rfi.status_salt == ""
    for page in ("rfi_status", "rfi_withdraw"):
        assert client.get(reverse(page, args=[token])).status_code == 404
    assert client.post(reverse("rfi_withdraw", args=[token])).status_code == 404
    assert all(referral.state == State.NEW for referral in rfi.referrals.all())  # nothing withdrawn
    # What the old scheme made of an erased link: no such page now, whatever the time.
    erased_at = int(rfi.customer.erased_at.timestamp())
    for guess in range(erased_at - 16, erased_at + 16):
        assert client.get(reverse("rfi_status", args=[f"erased-{rfi.pk}-{guess}"])).status_code == 404


def test_erasure_cancels_the_customers_own_emails_and_leaves_the_partners_alone(
    client, operator, request_to_two_partners
):
    rfi = request_to_two_partners
    partner_emails = {email.pk: email.to_email for email in OutboundEmail.objects.filter(template="new_referral")}
    assert len(partner_emails) == 2
    referral = rfi.referrals.first()
    owner_of = referral.partner.users.create(username="p-owner", role="admin")
    lifecycle.mark_not_interested(
        referral, reason="not_a_fit", by=owner_of
    )  # the customer's "choose another partner" waits
    client.force_login(operator)
    run_action(client, "erase_personal_data", rfi.customer)

    choose = OutboundEmail.objects.get(template="choose_another_partner")
    assert (choose.status, choose.to_email) == ("cancelled", f"erased-{rfi.customer_id}@erased.invalid")
    confirmation = OutboundEmail.objects.get(template="rfi_received")
    assert (confirmation.status, confirmation.body_text) == ("sent", "[erased]")
    for email in OutboundEmail.objects.filter(template="new_referral"):
        assert (email.status, email.to_email) == ("pending", partner_emails[email.pk])
    mail.outbox.clear()
    sending.drain()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(partner_emails.values())
