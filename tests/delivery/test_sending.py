"""Sending holds no transaction and no row lock while the mail server is spoken to: a sender
claims an email, sends it with nothing held, and records the outcome if its claim still stands."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.utils import timezone

from outbox import sending
from outbox.models import OutboundEmail
from tests.smtp import Mailbox, free_port

HOLD_SECONDS = 3


class SlowMailbox(Mailbox):
    """A mail server that keeps each message for a few seconds before it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.holding.set()
        await asyncio.sleep(HOLD_SECONDS)
        return await super().handle_DATA(server, session, envelope)


def pending_email(**fields) -> OutboundEmail:
    return OutboundEmail.objects.create(
        dedupe_key=fields.pop("dedupe_key", f"test:{timezone.now().timestamp()}"),
        template="new_referral",
        to_email="sales@partner.example",
        language="en",
        subject="A new referral",
        body_text="Hello",
        body_html="<p>Hello</p>",
        **fields,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_a_slow_mail_server_holds_the_message(settings):
    if connection.vendor != "postgresql":
        pytest.fail("This test reads PostgreSQL's own view of open transactions: run it with ./dev test.")
    mailbox = SlowMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    email = pending_email()
    outcome = {}

    def send():
        try:
            outcome["status"] = sending.deliver(email.pk)
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert mailbox.holding.wait(10), "the message never reached the mail server"
        # The mail server holds the message. Another connection takes the row at once (no lock
        # held), and no connection of this database sits inside a transaction.
        with transaction.atomic():
            row = OutboundEmail.objects.select_for_update(nowait=True).get(pk=email.pk)
            row.last_error = "looked at by an operator meanwhile"
            row.save(update_fields=["last_error"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            )
            assert cursor.fetchone()[0] == 0
        assert not mailbox.messages
    finally:
        sender.join(timeout=HOLD_SECONDS + 10)
        controller.stop()
    assert outcome["status"] == OutboundEmail.Status.SENT
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert len(mailbox.messages) == 1


@pytest.mark.django_db
def test_two_senders_cannot_claim_one_email():
    email = pending_email()
    now = timezone.now()
    assert sending.claim(email.pk, now) is not None
    assert sending.claim(email.pk, now) is None


@pytest.mark.django_db
def test_an_email_whose_sender_died_is_sent_when_the_claim_expires(settings, mailoutbox):
    email = pending_email()
    now = timezone.now()
    claimed = sending.claim(email.pk, now)  # a sender took it, then died without a word
    assert claimed is not None
    assert sending.drain(now=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS - 1)) == {
        "sent": 0,
        "retry": 0,
        "failed": 0,
    }
    assert sending.drain(now=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1))["sent"] == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(mailoutbox) == 1
    # The dead sender's outcome, had it come back, would not overwrite what the second recorded.
    assert not sending.record(claimed, status="failed", last_error="late")
    email.refresh_from_db()
    assert email.status == "sent"


@pytest.mark.django_db(transaction=True)
def test_the_drain_claims_and_records_each_email_in_one_statement_each(mailoutbox, django_assert_max_num_queries):
    for number in range(10):
        pending_email(dedupe_key=f"test:drain:{number}")
    # Per email a claim and an outcome; per batch the list of due rows and, on PostgreSQL, the
    # switch to commits that do not wait for the disk flush and back.
    with django_assert_max_num_queries(2 * 10 + 6):
        assert sending.drain()["sent"] == 10
    assert len(mailoutbox) == 10
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    if connection.vendor == "postgresql":  # the connection's other writes wait for the flush again
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"


class DroppingBackend(locmem.EmailBackend):
    """A mail server that drops the connection during the first message: like Django's SMTP
    backend, the dropped connection refuses every later message until it is closed and opened
    again."""

    dropped = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.usable = True

    def send_messages(self, messages):
        if not self.usable:
            raise SMTPServerDisconnected("please run connect() first")
        if not DroppingBackend.dropped:
            DroppingBackend.dropped, self.usable = True, False
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)

    def close(self) -> None:
        self.usable = True  # the next message opens a new connection


@pytest.mark.django_db
def test_a_connection_the_mail_server_drops_fails_one_email_not_the_rest_of_the_batch(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.delivery.test_sending.DroppingBackend"
    DroppingBackend.dropped = False
    for number in range(5):
        pending_email(dedupe_key=f"test:dropped:{number}")
    assert sending.drain() == {"sent": 4, "retry": 1, "failed": 0}
    assert len(mailoutbox) == 4
