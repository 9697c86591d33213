"""No secret rests readable in the outbox: staff who may read it cannot take over an account or
a customer's request with what they read, and cannot send anything again without the right."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse

from outbox.models import OutboundEmail
from referrals.models import RFI
from tests.factories import StaffUserFactory, location_with_contact, rfi_form_data

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"/accounts/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")


@pytest.fixture
def viewer(db):
    """Operator staff who may only view: the outbox, referrals, users."""
    user = StaffUserFactory(username="viewer", is_superuser=False)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.fixture
def reset_email(client, owner, django_capture_on_commit_callbacks):
    owner.email = "owner@sakura.example"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "owner@sakura.example"})
    [sent] = mail.outbox
    link = RESET_LINK.search(sent.body)
    assert link and default_token_generator.check_token(owner, link["token"])  # the owner got a working link
    return OutboundEmail.objects.get(template="password_reset"), link["token"]


def test_a_staff_reader_of_the_outbox_finds_no_working_reset_link(client, viewer, owner, reset_email):
    email, token = reset_email
    email.refresh_from_db()
    assert email.status == "sent"
    everything_kept = " ".join(str(getattr(email, field.attname)) for field in OutboundEmail._meta.fields)
    assert token not in everything_kept
    assert not RESET_LINK.search(everything_kept)

    client.force_login(viewer)
    pages = [
        client.get(reverse("admin:outbox_outboundemail_changelist")),
        client.get(reverse("admin:outbox_outboundemail_changelist"), {"q": "password"}),
        client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert token not in page.content.decode()
        assert not RESET_LINK.search(page.content.decode())
    assert "[password-reset link: sent to the account's owner, not kept]" in html.unescape(pages[2].content.decode())


def test_a_staff_reader_cannot_send_anything_again(client, viewer, reset_email):
    email, _token = reset_email
    client.force_login(viewer)
    changelist = client.get(reverse("admin:outbox_outboundemail_changelist")).content.decode()
    assert 'value="resend"' not in changelist  # the action is not offered
    mail.outbox.clear()
    response = client.post(
        reverse("admin:outbox_outboundemail_changelist"), {"action": "resend", "_selected_action": [email.pk]}
    )
    assert response.status_code in (200, 302)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert not mail.outbox


def test_sending_again_needs_its_own_permission_and_builds_a_fresh_link(client, viewer, owner, reset_email):
    email, _first_token = reset_email
    viewer.user_permissions.add(Permission.objects.get(codename="resend_outboundemail"))
    client.force_login(viewer)
    mail.outbox.clear()
    response = client.post(
        reverse("admin:outbox_outboundemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 email is queued to be sent again." in response.content.decode()
    [sent] = mail.outbox  # tasks run in-process in tests: sent through the worker's path
    token = RESET_LINK.search(sent.body)["token"]
    assert default_token_generator.check_token(owner, token)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)  # a fresh set of attempts
    assert token not in email.body_text + email.body_html


def test_a_customers_private_link_is_not_in_the_outbox_either(
    client, viewer, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rfi_new"), rfi_form_data([location_with_contact(partner)]))
    status_page = reverse("rfi_status", args=[RFI.objects.get().status_token])
    [confirmation] = [message for message in mail.outbox if message.to == ["hanako@yamada.example"]]
    assert status_page in confirmation.body  # the customer has the link
    client.force_login(viewer)
    for email in OutboundEmail.objects.all():
        page = client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()
        assert status_page not in page
