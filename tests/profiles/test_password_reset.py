"""A partner user who forgot their password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db


def test_a_user_resets_a_forgotten_password_by_email(client, owner, django_capture_on_commit_callbacks):
    owner.email = "owner@sakura.example"
    owner.language = "ja"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "owner@sakura.example"})
    assert response.status_code == 302
    email = OutboundEmail.objects.get(template="password_reset")
    assert email.to_email == "owner@sakura.example"
    assert "パスワードのリセット" in email.subject
    [sent] = mail.outbox  # through the outbox, sent after commit
    link = re.search(r"http://[^\s]+/accounts/reset/[^\s]+/", sent.body).group(0)
    page = client.get(link.split("127.0.0.1:8000")[1], follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": "a-new-pass-2026!", "new_password2": "a-new-pass-2026!"}
    )
    assert done.status_code == 302
    assert client.post(reverse("login"), {"username": "owner", "password": "a-new-pass-2026!"}).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, owner):
    response = client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert not OutboundEmail.objects.exists()
