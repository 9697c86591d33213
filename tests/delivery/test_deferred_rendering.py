"""Emails built when they are sent: the sweep writes its emails without rendering them, and
emails with a secret link are built by the worker and kept without the link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone

from outbox import sending
from outbox.models import OutboundEmail
from referrals import sweeps
from referrals.emails import NOT_KEPT
from referrals.models import Referral
from tests.factories import BusinessProfileFactory, PartnerCompanyFactory, location_with_contact, make_referral

pytestmark = pytest.mark.django_db


def test_a_swept_referrals_email_is_built_in_the_customers_language_when_sent(partner):
    referral = make_referral(partner, now=timezone.now() - timedelta(hours=73), customer__language="ja")
    sweeps.fail_overdue(timezone.now())
    email = OutboundEmail.objects.get(template="choose_another_partner")
    assert (email.renders_at_send, email.subject, email.language) == (True, "", "ja")
    assert email.about == referral
    assert sending.deliver(email.pk) == OutboundEmail.Status.SENT
    email.refresh_from_db()
    assert "別のパートナー" in email.subject  # the copy kept for the outbox's readers
    [sent] = mail.outbox
    assert sent.subject == email.subject and "/partners/?region=JP" in sent.body
    assert referral.rfi.status_token in sent.body and referral.rfi.status_token not in email.body_text


def test_an_email_whose_reason_no_longer_applies_is_cancelled_not_sent(partner):
    referral = make_referral(partner)
    referral.rfi.customer.erased_at = timezone.now()  # erased meanwhile
    referral.rfi.customer.save()
    email = OutboundEmail.objects.create(
        dedupe_key=f"referral:{referral.pk}:failed:customer",
        template="choose_another_partner",
        to_email="someone@customer.example",
        language="en",
        about_type=ContentType.objects.get_for_model(Referral),
        about_id=referral.pk,
        renders_at_send=True,
    )
    assert sending.deliver(email.pk) == OutboundEmail.Status.CANCELLED
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("cancelled", "No longer applies: not sent.")
    assert not mail.outbox


def test_a_second_chance_email_is_built_once_and_its_copy_is_what_was_sent(partner, django_assert_max_num_queries):
    """The email that proposes other partners runs partner search once: the copy the outbox keeps
    is the same message, the one-click links and the status link replaced."""
    for name in ("Fuji Systems", "Kaede Data"):  # two more partners doing security work in Japan
        other = PartnerCompanyFactory(name=name)
        BusinessProfileFactory(partner=other, region="JP", solution_areas=["security"], is_active=True)
        location_with_contact(other)
    referral = make_referral(partner, now=timezone.now() - timedelta(hours=73), solution_area="security", region="JP")
    sweeps.fail_overdue(timezone.now())
    email = OutboundEmail.objects.get(template="choose_another_partner")
    with django_assert_max_num_queries(9):
        assert sending.deliver(email.pk) == OutboundEmail.Status.SENT
    [sent] = mail.outbox
    assert "Fuji Systems" in sent.body and "Kaede Data" in sent.body
    links = [line.strip() for line in sent.body.splitlines() if referral.rfi.status_token in line]
    assert len(links) == 3  # the status page and one click for each partner proposed
    kept = sent.body
    for link in links:
        kept = kept.replace(link, NOT_KEPT)
    email.refresh_from_db()
    assert email.body_text == kept


def test_a_secret_where_rendering_does_not_look_shows_its_placeholder_never_the_link():
    """A link inside an object (here a named tuple) is not revealed: it fails safe, in the
    sent email and the copy alike."""
    from collections import namedtuple

    from django.template import engines

    from outbox.rendering import Secret

    link = namedtuple("Account", "url")(Secret("https://portal.example/reset/abc/def/", "[not kept]"))
    assert engines["django"].from_string("{{ account.url }}").render({"account": link}) == "[not kept]"
