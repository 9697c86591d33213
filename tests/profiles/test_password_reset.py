"""A partner user who forgot their password, or whose sign-in others paused."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^\s]+/accounts/reset/[^\s]+/")


def ask_for_reset(client, address: str, **extra):
    return client.post(reverse("password_reset"), {"email": address}, **extra)


def follow_link_and_choose(client, password: str = "a-new-pass-2026!"):
    [sent] = mail.outbox
    link = LINK.search(sent.body).group(0)
    address = link.split("127.0.0.1:8000")[1]
    page = client.get(address)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    return client.post(address, {"new_password1": password, "new_password2": password}, follow=True)


def test_a_user_resets_a_forgotten_password_by_email(client, owner, django_capture_on_commit_callbacks):
    owner.email = "owner@sakura.example"
    owner.language = "ja"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_for_reset(client, "owner@sakura.example")
    assert response.status_code == 302
    [sent] = mail.outbox  # through the outbox, sent after commit, in the user's language
    assert sent.to == ["owner@sakura.example"] and "パスワードのリセット" in sent.subject
    done = follow_link_and_choose(client)
    assert done.redirect_chain[-1][0] == reverse("referrals:dashboard")  # signed in at once
    client.logout()
    assert client.post(reverse("login"), {"username": "owner", "password": "a-new-pass-2026!"}).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_the_same_work_but_no_email(
    client, owner, django_capture_on_commit_callbacks
):
    owner.email = "owner@sakura.example"
    owner.save()
    answers = []
    for address in ("owner@sakura.example", "nobody@nowhere.example"):
        with django_capture_on_commit_callbacks(execute=True) as after_commit:
            response = ask_for_reset(client, address)
        answers.append((response.status_code, response["Location"], len(after_commit)))
    assert answers[0] == answers[1] == (302, reverse("password_reset_done"), 1)
    # Both wrote one row; the worker found no account for the second and sent nothing.
    assert [message.to for message in mail.outbox] == [["owner@sakura.example"]]
    unknown = OutboundEmail.objects.get(to_email="nobody@nowhere.example")
    assert unknown.status == "cancelled"


def test_reset_requests_are_limited_per_address_and_per_client(client, owner, settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = 2
    settings.PASSWORD_RESET_RATE_PER_CLIENT = 4
    for _ in range(2):
        assert ask_for_reset(client, "owner@partner.example").status_code == 302
    refused = ask_for_reset(client, "OWNER@partner.example", HTTP_ACCEPT_LANGUAGE="ja")
    assert refused.status_code == 429 and "1時間" in refused.content.decode()
    # The same for an address with no account: the refusal tells nothing.
    for _ in range(2):
        assert ask_for_reset(client, f"nobody{_}@nowhere.example").status_code == 302
    assert ask_for_reset(client, "someone-else@nowhere.example").status_code == 429  # the client's 4 are used
    assert ask_for_reset(client, "someone-else@nowhere.example", REMOTE_ADDR="10.1.2.3").status_code == 302
    assert OutboundEmail.objects.filter(template="password_reset").count() == 5


def test_the_owner_of_a_paused_account_gets_back_in_through_the_reset_link(
    client, owner, django_capture_on_commit_callbacks
):
    """Others' wrong guesses pause sign-in for a username (django-axes); the emailed link lifts
    the pause for its owner."""
    for _ in range(101):
        client.post(reverse("login"), {"username": "owner", "password": "a wrong guess"}, REMOTE_ADDR="203.0.113.9")
    assert client.post(reverse("login"), {"username": "owner", "password": "pw-for-tests-1"}).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_reset(client, owner.email)
    done = follow_link_and_choose(client)
    assert done.redirect_chain[-1][0] == reverse("referrals:dashboard")
    client.logout()
    assert client.post(reverse("login"), {"username": "owner", "password": "a-new-pass-2026!"}).status_code == 302
