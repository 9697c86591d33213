"""The webhook receiver the README shows, run as written against a real, signed delivery."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from referrals import lifecycle
from tests.factories import ContactFactory, LocationFactory, UserFactory, make_referral
from webhooks import endpoints, payloads
from webhooks.models import Delivery

README = Path(__file__).resolve().parent.parent.parent / "README.md"
pytestmark = pytest.mark.django_db


def readme_receiver(secret: str, monkeypatch) -> dict:
    [code] = re.findall(r"```python\n(# receiver\.py.*?)```", README.read_text(), flags=re.DOTALL)
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    namespace: dict = {"__name__": "receiver"}
    exec(compile(code, "README.md receiver.py", "exec"), namespace)  # noqa: S102 - the README's own code
    return namespace


def test_the_readme_receiver_accepts_a_signed_delivery_once_and_refuses_a_forged_one(partner, monkeypatch, capsys):
    admin = UserFactory(partner=partner, role="admin")
    location = LocationFactory(profile__partner=partner)
    ContactFactory(location=location)
    _endpoint, secret = endpoints.create(by=admin, url="http://127.0.0.1:9/hooks", events=["referral.updated"])
    referral = make_referral(location=location)
    lifecycle.mark_interested(referral, by=admin)
    delivery = Delivery.objects.get()
    body = payloads.body(delivery)
    headers = payloads.headers(delivery, body)

    receiver = readme_receiver(secret, monkeypatch)
    assert receiver["handle"](body, headers) == 204
    assert capsys.readouterr().out.strip() == f"referral.updated {referral.pk} evaluating"
    assert receiver["handle"](body, headers) == 204  # the retry of the same event
    assert capsys.readouterr().out == ""
    assert receiver["handle"](body.replace(b"evaluating", b"won"), headers) == 400
    other = readme_receiver("whsec_" + "A" * 43 + "=", monkeypatch)
    assert other["handle"](body, headers) == 400
