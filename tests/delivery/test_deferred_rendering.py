"""The timeout sweep writes its emails unrendered; the worker renders them right before sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from outbox import sending
from outbox.models import OutboundEmail
from referrals import actions
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def test_a_swept_referrals_email_is_rendered_in_the_customers_language_when_sent(partner):
    referral = make_referral(partner, now=timezone.now() - timedelta(hours=73), customer__language="ja")
    actions.fail_overdue(timezone.now())
    email = OutboundEmail.objects.get(template="choose_another_partner")
    assert (email.rendered, email.subject, email.language) == (False, "", "ja")
    assert sending.deliver(email.pk) == OutboundEmail.Status.SENT
    email.refresh_from_db()
    assert email.rendered and "別のパートナー" in email.subject
    [sent] = mail.outbox
    assert sent.subject == email.subject and referral.rfi.need in sent.body


def test_an_unrendered_email_whose_reason_no_longer_applies_is_not_sent(partner):
    referral = make_referral(partner)
    OutboundEmail.objects.create(
        dedupe_key=f"referral:{referral.pk}:failed:customer",  # it never failed
        template="choose_another_partner",
        to_email="someone@customer.example",
        language="en",
        referral=referral,
        rendered=False,
    )
    email = OutboundEmail.objects.get(to_email="someone@customer.example")
    assert sending.deliver(email.pk) == OutboundEmail.Status.FAILED
    email.refresh_from_db()
    assert email.last_error == "No longer applies: not sent."
    assert not mail.outbox
