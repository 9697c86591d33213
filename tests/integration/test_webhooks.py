"""Webhooks end to end: a real Celery worker on Redis delivers to a receiver on loopback; a new
request, an action through the API and the sweep each produce their event, every signature
verifies with Standard Webhooks' own library, and a receiver that is down for a while gets
everything once it is back, each event with the webhook-id it first had."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from referrals import sweeps
from tests.factories import UserFactory, api_key, location_with_contact, make_referral
from tests.integration.test_delivery import send_rfi, wait_until
from webhooks import endpoints
from webhooks.models import Delivery

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def events(inbox, secret: str) -> list[dict]:
    """What the receiver got, each verified as a receiver would (raises on a bad signature)."""
    return [Webhook(secret).verify(received.body, received.headers) for received in inbox.received]


def test_changes_reach_the_receiver_signed_and_survive_its_downtime(celery_worker, inbox, receiver, partner):
    hooks, url = receiver
    admin = UserFactory(partner=partner, role="admin")
    _endpoint, secret = endpoints.create(by=admin, url=url, events=["referral.created", "referral.updated"])

    # A customer's request: referral.created.
    referral = send_rfi(partner)
    assert hooks.wait_until(lambda: len(hooks.received) == 1)
    [created] = events(hooks, secret)
    assert created["type"] == "referral.created" and created["data"]["referral"]["id"] == referral.pk

    # The partner's CRM says Interested through the API: referral.updated with the new state.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(admin)}")
    tag = client.get(f"/api/v1/referrals/{referral.pk}/").headers["ETag"]
    assert client.post(f"/api/v1/referrals/{referral.pk}/mark_interested/", {}, format="json",
                       HTTP_IF_MATCH=tag).status_code == 200  # fmt: skip
    assert hooks.wait_until(lambda: len(hooks.received) == 2)
    updated = events(hooks, secret)[1]
    assert updated["type"] == "referral.updated" and updated["data"]["referral"]["state"] == "evaluating"

    # The sweep fails an unanswered referral: referral.updated from the system.
    forgotten = make_referral(location=location_with_contact(partner), now=timezone.now() - timedelta(hours=73))
    assert hooks.wait_until(lambda: len(hooks.received) == 3)
    assert sweeps.fail_overdue(timezone.now()) == [forgotten.pk]
    assert hooks.wait_until(lambda: len(hooks.received) == 4)
    failed = events(hooks, secret)[3]
    assert failed["data"]["referral"]["state"] == "failed" and failed["data"]["event"]["action"] == "fail"

    # The receiver goes down; changes go on; the worker retries on its schedule.
    hooks.failing_with = 503
    tag = client.get(f"/api/v1/referrals/{referral.pk}/").headers["ETag"]
    client.post(f"/api/v1/referrals/{referral.pk}/add_note/", {"note": "Called."}, format="json", HTTP_IF_MATCH=tag)
    make_referral(location=location_with_contact(partner))
    assert hooks.wait_until(lambda: hooks.refused >= 4, timeout=30)
    waiting = list(Delivery.objects.filter(status="pending").values_list("message_id", flat=True))
    assert len(waiting) == 2
    hooks.failing_with = None
    assert hooks.wait_until(lambda: len(hooks.received) == 6, timeout=30)
    wait_until(lambda: not Delivery.objects.filter(status="pending").exists())
    time.sleep(1)
    assert len(hooks.received) == 6  # each once
    late = hooks.received[4:]
    assert sorted(received.headers["webhook-id"] for received in late) == sorted(waiting)
    assert {event["type"] for event in events(hooks, secret)[4:]} == {"referral.updated", "referral.created"}
    assert all(delivery.attempts > 1 for delivery in Delivery.objects.filter(message_id__in=waiting))
    assert json.loads(late[0].body)["timestamp"]
