"""Sign-in throttling and session lifetimes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

pytestmark = pytest.mark.django_db

WRONG = {"password": "not-the-password"}


def attempt(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_101st_failed_sign_in_within_an_hour_is_refused_alike_for_known_and_unknown_users(client, owner):
    answers = {}
    for username in ("owner", "nobody-by-this-name"):
        for _ in range(100):
            response = attempt(client, username, WRONG["password"])
            assert response.status_code == 200
            assert "Please enter a correct username and password" in response.content.decode()
        refused = attempt(client, username, WRONG["password"])
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", refused.content.decode())
        answers[username] = (refused.status_code, page.replace(username, "<name>"))
    assert answers["owner"] == answers["nobody-by-this-name"]
    status, page = answers["owner"]
    assert status == 429
    assert "too many failed sign-ins" in page
    # Even the right password waits for the hour to pass.
    assert attempt(client, "owner", "pw-for-tests-1").status_code == 429
    with time_machine.travel(timedelta(hours=1, minutes=1)):
        assert attempt(client, "owner", "pw-for-tests-1").status_code == 302


def test_a_lockout_speaks_the_users_language(client, owner):
    for _ in range(101):
        response = client.post(reverse("login"), {"username": "owner", **WRONG}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 429
    assert "サインインの失敗が多すぎます" in response.content.decode()


def test_sign_in_gives_a_new_session_key_and_sign_out_ends_it_on_the_server(client, owner):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    assert attempt(client, "owner", "pw-for-tests-1").status_code == 302
    key = client.cookies["sessionid"].value
    assert before is None or before.value != key
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_an_idle_session_ends(client, owner, settings):
    attempt(client, "owner", "pw-for-tests-1")
    assert client.get(reverse("referrals:list")).status_code == 200
    with time_machine.travel(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        assert client.get(reverse("referrals:list")).status_code == 302


def test_an_active_session_ends_after_its_lifetime(client, owner, settings):
    attempt(client, "owner", "pw-for-tests-1")
    step = timedelta(minutes=settings.SESSION_COOKIE_AGE // 60 - 10)
    elapsed = timedelta()
    # Busy all day: a request before every idle timeout, until the absolute lifetime runs out.
    while elapsed + step < settings.SESSION_MAX_AGE:
        elapsed += step
        with time_machine.travel(elapsed):
            assert client.get(reverse("referrals:list")).status_code == 200
    with time_machine.travel(settings.SESSION_MAX_AGE + timedelta(minutes=1)):
        assert client.get(reverse("referrals:list")).status_code == 302


def test_deactivating_a_user_ends_their_sessions(client, owner):
    attempt(client, "owner", "pw-for-tests-1")
    assert client.get(reverse("referrals:list")).status_code == 200
    owner.is_active = False
    owner.save()
    assert client.get(reverse("referrals:list")).status_code == 302
