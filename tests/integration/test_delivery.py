"""The 72-hour rule and the emails, end to end: a real Celery worker on Redis, PostgreSQL, and
an SMTP server on loopback that can be made to refuse mail."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from outbox.models import OutboundEmail
from outbox.tasks import drain_outbox, send_email
from referrals import rfis
from referrals.models import State
from tests.factories import location_with_contact

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def send_rfi(partner, **customer):
    location = location_with_contact(partner, email="sales@sakura.example", language="ja")
    rfi = rfis.submit_rfi(
        rfis.CustomerDetails(
            contact_name="Hanako Yamada",
            company_name="Yamada Seisakusho",
            email=customer.get("email", "hanako@yamada.example"),
            phone="",
            language=customer.get("language", "en"),
        ),
        [location],
        need="Cloud migration for our factories",
        solution_area="cloud_infrastructure",
        company_size="medium",
        industry="manufacturing",
        region="JP",
        consent_to_share=True,
    )
    return rfi.referrals.get()


def wait_until(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_a_new_referral_email_arrives_and_the_72_hour_rule_tells_the_customer(celery_worker, inbox, partner):
    referral = send_rfi(partner)
    messages = inbox.wait_for(2)
    to_contact = inbox.to("sales@sakura.example")
    assert len(to_contact) == 1
    text, html = inbox.parts(to_contact[0])
    assert "新しい紹介案件" in to_contact[0]["Subject"]  # the contact reads Japanese
    assert "Cloud migration for our factories" in text and "Cloud migration for our factories" in html
    assert "hanako@yamada.example" not in text + html  # no customer contact details before Interested
    assert len(inbox.to("hanako@yamada.example")) == 1  # the customer's confirmation with the status link
    assert len(messages) == 2

    out = StringIO()
    call_command("sweep_referrals", "--now", (timezone.now() + timedelta(hours=72, minutes=1)).isoformat(), stdout=out)
    assert f"archived 1 as failed: #{referral.pk}" in out.getvalue()
    referral.refresh_from_db()
    assert referral.state == State.FAILED
    inbox.wait_for(3)
    [choose] = [m for m in inbox.to("hanako@yamada.example") if "choose another partner" in m["Subject"]]
    text, html = inbox.parts(choose)
    assert "/partners/?region=JP" in text and "/partners/?region=JP" in html


def test_nothing_is_lost_while_the_mail_server_refuses(celery_worker, inbox, partner):
    inbox.refusing = True
    send_rfi(partner)
    wait_until(lambda: inbox.refused >= 2)
    # Refused and recorded: a claimed row is pending with its attempt counted before the refusal
    # is written, so wait for the refusal itself.
    wait_until(lambda: OutboundEmail.objects.filter(status="pending").exclude(last_error="").count() == 2)
    assert not inbox.messages
    email = OutboundEmail.objects.filter(status="pending").first()
    assert "451" in email.last_error

    inbox.refusing = False
    time.sleep(1.1)  # the first retry is due after OUTBOX_RETRY_SECONDS (1 s for the worker here)
    drain_outbox.delay()  # what beat sends every minute
    inbox.wait_for(2)
    wait_until(lambda: OutboundEmail.objects.filter(status="sent").count() == 2)
    time.sleep(0.5)
    assert len(inbox.messages) == 2  # each once


def test_a_task_delivered_twice_sends_one_email(celery_worker, inbox, partner):
    from referrals_portal.celery import app

    app.conf.task_always_eager = True  # queue the rows without sending, then deliver by hand
    try:
        send_rfi(partner)
    finally:
        app.conf.task_always_eager = False
    # always_eager ran the sends in-process against the test's memory backend: put them back.
    OutboundEmail.objects.update(status="pending", sent_at=None, attempts=0)
    email = OutboundEmail.objects.get(template="new_referral")
    for _ in range(2):  # the broker delivers the same task twice, to two threads at once
        send_email.delay(email.pk)
    wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).status == "sent")
    time.sleep(1)
    assert len(inbox.to("sales@sakura.example")) == 1
    assert OutboundEmail.objects.get(pk=email.pk).attempts == 1


def test_with_the_broker_down_pages_work_actions_are_recorded_and_emails_go_out_later(
    celery_worker, inbox, partner, owner, client
):
    from referrals_portal.celery import app
    from tests.integration.processes import reset_connections

    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there: the broker is down
    reset_connections(app)
    try:
        started = time.monotonic()
        referral = send_rfi(partner)
        client.force_login(owner)
        assert client.get(f"/referrals/{referral.pk}/").status_code == 200
        response = client.post(
            f"/referrals/{referral.pk}/mark_not_interested/",
            {"expected_state": "new", "reason": "no_capacity", "confirmed": "yes"},
        )
        assert response.status_code == 302
        assert time.monotonic() - started < 10  # nobody waited on the missing broker for long
    finally:
        app.conf.broker_url = celery_worker
        reset_connections(app)
    referral.refresh_from_db()
    assert referral.state == State.SKIPPED
    assert OutboundEmail.objects.filter(status="pending", attempts=0).count() == 3  # 2 + the customer's "choose again"
    assert not inbox.messages

    drain_outbox.delay()  # the broker is back: beat's next drain sends what waited
    inbox.wait_for(3)
    wait_until(lambda: OutboundEmail.objects.filter(status="sent").count() == 3)
