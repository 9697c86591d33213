"""Operator staff see the outbox and resend what failed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from outbox.models import OutboundEmail
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def test_operator_sees_pending_sent_and_failed_emails(client, operator, partner):
    make_referral(partner)
    OutboundEmail.objects.update(status="failed", attempts=8, last_error="SMTPServerDisconnected: gone")
    client.force_login(operator)
    page = client.get(reverse("admin:outbox_outboundemail_changelist"), {"status__exact": "failed"}).content.decode()
    assert "new_referral" in page and "Failed" in page
    email = OutboundEmail.objects.get()
    detail = client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()
    assert "SMTPServerDisconnected: gone" in detail


def test_operator_resends_a_failed_email(client, operator, partner):
    make_referral(partner)
    OutboundEmail.objects.update(status="failed", attempts=8, last_error="refused")
    email = OutboundEmail.objects.get()
    client.force_login(operator)
    response = client.post(
        reverse("admin:outbox_outboundemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 email is queued to be sent again." in response.content.decode()
    email.refresh_from_db()
    # Tasks run in-process in tests: the email went out through the same path a worker takes.
    assert email.status == "sent"
    assert [message.subject for message in mail.outbox] == [email.subject]
