"""Operator staff create RFIs for marketing and sales and move referrals through the lifecycle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import registry
from referrals.models import RFI, Referral, State
from tests.factories import location_with_contact, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


def change(client, referral, **data):
    history = {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}  # the read-only inline's formset
    return client.post(reverse("admin:referrals_referral_change", args=[referral.pk]), {**history, **data}, follow=True)


def act(client, referral, action, **data):
    """What an operator does on a referral's page: open an action's form and submit it."""
    referral.refresh_from_db()
    url = reverse("admin:referrals_referral_act", args=[referral.pk, action])
    return client.post(url, {"expected_state": referral.state, **data}, follow=True)


def test_operator_sends_a_marketing_rfi_to_two_partners(staff_client, partner, other_partner):
    first, second = location_with_contact(partner), location_with_contact(other_partner)
    response = staff_client.post(
        reverse("admin:referrals_rfi_add"),
        {
            "source": "marketing",
            "contact_name": "Hanako Yamada",
            "company_name": "Yamada Seisakusho",
            "email": "hanako@yamada.example",
            "phone": "",
            "language": "ja",
            "need": "Webinar lead: wants a cloud migration assessment.",
            "solution_area": "cloud_infrastructure",
            "company_size": "medium",
            "industry": "manufacturing",
            "region": "JP",
            "budget_range": "unknown",
            "timeline": "quarter",
            "locations": [first.pk, second.pk],
            "consent_to_share": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rfi = RFI.objects.get()
    assert rfi.source == "marketing"
    assert rfi.created_by.username == "operator"
    referrals = rfi.referrals.order_by("partner__name")
    assert [(r.partner, r.source, r.state) for r in referrals] == [
        (other_partner, "marketing", "new"),
        (partner, "marketing", "new"),
    ]
    assert OutboundEmail.objects.filter(template="new_referral").count() == 2


def test_operator_rfi_needs_one_location_per_partner(staff_client, partner):
    first, second = location_with_contact(partner), location_with_contact(partner)
    response = staff_client.post(
        reverse("admin:referrals_rfi_add"),
        {
            "source": "sales",
            "contact_name": "A",
            "company_name": "B",
            "email": "a@b.example",
            "language": "en",
            "need": "x",
            "solution_area": "security",
            "company_size": "small",
            "industry": "retail",
            "region": "JP",
            "budget_range": "unknown",
            "timeline": "now",
            "locations": [first.pk, second.pk],
            "consent_to_share": "on",
        },
    )
    assert response.status_code == 200
    assert "Choose one location for each partner." in response.content.decode()
    assert not RFI.objects.exists()


def test_operator_moves_a_referral_through_its_lifecycle(staff_client, partner):
    referral = make_referral(partner)
    page = staff_client.get(reverse("admin:referrals_referral_change", args=[referral.pk])).content.decode()
    assert f"/admin/referrals/referral/{referral.pk}/act/mark_interested/" in page
    assert f"/admin/referrals/referral/{referral.pk}/act/mark_not_interested/" in page
    assert "/act/accept/" not in page and "/act/mark_won/" not in page
    assert 'name="_save"' not in page  # nothing on the page itself is saved

    act(staff_client, referral, "mark_interested")
    referral.refresh_from_db()
    assert referral.state == State.EVALUATING

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = act(staff_client, referral, "accept", deal_value="-1", currency="JPY", close_date=yesterday)
    page = response.content.decode()
    assert "Enter an amount greater than zero." in page
    assert "The estimated close date cannot be in the past." in page
    referral.refresh_from_db()
    assert referral.state == State.EVALUATING

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    act(staff_client, referral, "accept", deal_value="2500000", currency="JPY", close_date=tomorrow)
    referral.refresh_from_db()
    assert (referral.state, referral.deal_value) == (State.NEGOTIATING, 2500000)

    act(staff_client, referral, "mark_won", final_value="2600000", currency="JPY")
    referral.refresh_from_db()
    assert referral.state == State.WON
    assert [e.actor_kind for e in referral.events.all()] == ["customer", "operator", "operator", "operator"]
    page = staff_client.get(reverse("admin:referrals_referral_change", args=[referral.pk])).content.decode()
    assert not any(f"/act/{step}/" in page for step in registry.ACTIONS if step != "add_note")  # only notes left
    assert staff_client.get(reverse("admin:referrals_referral_act", args=[referral.pk, "mark_lost"])).status_code == 403


def test_the_state_is_not_a_form_field(staff_client, partner):
    referral = make_referral(partner)
    change(staff_client, referral, state="won")
    referral.refresh_from_db()
    assert referral.state == State.NEW


def test_operator_disconnects_selected_referrals(staff_client, partner):
    active, archived = make_referral(partner), make_referral(partner)
    archived_id = archived.pk
    from referrals import lifecycle

    lifecycle.mark_not_interested(
        archived, reason="not_a_fit", by=archived.partner.users.create(username="u1", role="admin")
    )
    staff_client.post(
        reverse("admin:referrals_referral_changelist"),
        {"action": "disconnect_selected", "_selected_action": [active.pk, archived_id]},
    )
    assert Referral.objects.get(pk=active.pk).state == State.DISCONNECTED
    assert Referral.objects.get(pk=archived_id).state == State.SKIPPED
    assert OutboundEmail.objects.filter(template="referral_disconnected", referral=active).count() == 1


def test_referrals_cannot_be_deleted_or_added_in_admin(staff_client, partner):
    referral = make_referral(partner)
    assert staff_client.get(reverse("admin:referrals_referral_delete", args=[referral.pk])).status_code == 403
    assert staff_client.get(reverse("admin:referrals_referral_add")).status_code == 403
