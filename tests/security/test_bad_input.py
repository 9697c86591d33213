"""Forms and commands fed what people and bots really send: a clear message, nothing half-done,
and whatever is shown back escaped."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from referrals import lifecycle
from referrals.models import RFI, Referral
from tests.factories import location_with_contact, make_referral, rfi_form_data

pytestmark = pytest.mark.django_db

NASTY = {
    "html": "<img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE referrals_referral; --",
    "emoji": "クラウド移行 🚀🏭 お願いします",
    "huge": "x" * 100_000,
    "control": "line\x00break",
}


def rfi_data(location, **overrides):
    return rfi_form_data([location], **overrides)


@pytest.mark.parametrize("kind", ["html", "sql", "emoji"])
def test_text_people_type_is_stored_as_typed_and_shown_escaped(client, partner, owner, kind):
    location = location_with_contact(partner)
    response = client.post(reverse("rfi_new"), rfi_data(location, need=NASTY[kind], company_name=NASTY[kind][:200]))
    assert response.status_code == 302
    rfi = RFI.objects.get()
    assert rfi.need == NASTY[kind].strip()
    client.force_login(owner)
    page = client.get(reverse("referrals:detail", args=[rfi.referrals.get().pk])).content.decode()
    assert "<img src=x" not in page
    if kind == "emoji":
        assert NASTY["emoji"] in page
    assert Referral.objects.count() == 1  # and the table is still there


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("need", NASTY["huge"], "at most 4000 characters"),
        ("contact_name", NASTY["huge"], "at most 200 characters"),
        ("email", "a@b", "Enter a valid email address."),
        ("need", NASTY["control"], "Null characters are not allowed."),
        ("solution_area", "' OR 1=1 --", "Select a valid choice."),
        ("locations", "not-a-number", "is not a valid value"),
    ],
)
def test_malformed_requests_are_refused_with_a_reason(client, partner, field, value, message):
    response = client.post(reverse("rfi_new"), rfi_data(location_with_contact(partner), **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RFI.objects.exists()


@pytest.mark.parametrize(
    ("deal_value", "message"),
    [
        ("-1", "greater than zero"),
        ("1e20", "Ensure that there are no more than 14 digits in total."),
        ("abc", "Enter a number."),
        ("", "Enter the amount."),
    ],
)
def test_accept_refuses_impossible_amounts(client, partner, owner, deal_value, message):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=owner)
    client.force_login(owner)
    response = client.post(
        reverse("referrals:act", args=[referral.pk, "accept"]),
        {"expected_state": "evaluating", "deal_value": deal_value, "currency": "USD", "close_date": "2099-01-01"},
    )
    assert response.status_code == 400 and message in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == "evaluating" and referral.deal_value is None


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-45T99:00", "'; DROP TABLE x; --"])
def test_the_sweep_command_refuses_a_time_it_cannot_read(value):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("sweep_referrals", "--now", value, stdout=StringIO())
