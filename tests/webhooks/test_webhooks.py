"""Webhooks: written with the change, signed per Standard Webhooks, retried with the same
webhook-id, disabled after a day of failures with the admins told, and never sent to our own
network."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from outbox.models import OutboundEmail
from referrals import lifecycle, privacy
from tests.api.test_keys import every_stored_value
from tests.factories import ContactFactory, LocationFactory, UserFactory, make_referral
from webhooks import endpoints, sending, transport
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(partner):
    return UserFactory(username="aoi", partner=partner, role="admin", language="ja")


@pytest.fixture
def location(partner):
    location = LocationFactory(profile__partner=partner, name="Tokyo HQ")
    ContactFactory(location=location)
    return location


def verify(secret: str, received) -> dict:
    """What a receiver does with Standard Webhooks' own library: raises if the signature fails."""
    return Webhook(secret).verify(received.body, received.headers)


def test_a_change_writes_one_delivery_per_endpoint_that_wants_it_in_its_transaction(admin, location, other_partner):
    both, _ = endpoints.create(by=admin, url="http://127.0.0.1:9/all", events=["referral.created", "referral.updated"])
    created_only, _ = endpoints.create(by=admin, url="http://127.0.0.1:9/new", events=["referral.created"])
    outsider = UserFactory(partner=other_partner, role="admin")
    theirs, _ = endpoints.create(by=outsider, url="http://127.0.0.1:9/theirs", events=["referral.created"])

    referral = make_referral(location=location)
    assert sorted(Delivery.objects.values_list("endpoint_id", "event_type")) == [
        (both.pk, "referral.created"), (created_only.pk, "referral.created"),
    ]  # fmt: skip
    lifecycle.mark_interested(referral, by=admin)
    assert Delivery.objects.filter(event_type="referral.updated").get().endpoint == both

    # A change that rolls back leaves no delivery.
    another = make_referral(location=location)
    count = Delivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.apply(another, "mark_interested", by=admin, now=timezone.now())
        assert Delivery.objects.count() == count + 1
        raise RuntimeError("the request fails after the change")
    assert Delivery.objects.count() == count
    assert not Delivery.objects.filter(endpoint=theirs).exists()


def test_a_delivery_is_signed_and_carries_the_referral_as_the_api_shows_it(
    admin,
    location,
    receiver,
    django_capture_on_commit_callbacks,
):
    inbox, url = receiver
    endpoint, secret = endpoints.create(by=admin, url=url, events=["referral.created", "referral.updated"])
    assert secret.startswith("whsec_") and secret not in every_stored_value()
    with django_capture_on_commit_callbacks(execute=True):
        referral = make_referral(location=location, need="Move our ERP to the cloud.")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_interested(referral, by=admin)
    assert len(inbox.received) == 2
    created, updated = (verify(secret, received) for received in inbox.received)
    assert created["type"] == "referral.created"
    assert created["data"]["referral"]["id"] == referral.pk
    assert created["data"]["event"]["action"] == "received"
    assert updated["type"] == "referral.updated"
    event = updated["data"]["event"]
    assert (event["action"], event["from_state"], event["to_state"]) == ("mark_interested", "new", "evaluating")
    assert updated["data"]["referral"]["customer"]["email"] == referral.rfi.customer.email
    assert inbox.received[0].headers["webhook-id"] != inbox.received[1].headers["webhook-id"]
    # A tampered body, or another secret, does not verify.
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(inbox.received[0].body.replace(b"ERP", b"CRM"), inbox.received[0].headers)
    assert Delivery.objects.filter(endpoint=endpoint, status="delivered").count() == 2


def test_a_failing_endpoint_is_retried_with_the_same_id_then_disabled_and_its_admins_told(
    admin,
    location,
    receiver,
    settings,
):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 60]
    inbox, url = receiver
    endpoint, secret = endpoints.create(by=admin, url=url, events=["referral.created"])
    make_referral(location=location)
    delivery = Delivery.objects.get()
    start = timezone.now()

    inbox.failing_with = 503
    assert sending.deliver(delivery.pk, now=start) == "retry"
    assert sending.deliver(delivery.pk, now=start + timedelta(seconds=1)) is None  # not due yet
    assert sending.deliver(delivery.pk, now=start + timedelta(seconds=6)) == "retry"
    inbox.failing_with = None
    assert sending.deliver(delivery.pk, now=start + timedelta(seconds=70)) == "delivered"
    assert inbox.refused == 2 and len(inbox.received) == 1
    assert inbox.received[0].headers["webhook-id"] == delivery.message_id
    verify(secret, inbox.received[0])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)

    # The next one fails every time: after the schedule it has failed, and the endpoint is off.
    inbox.failing_with = 500
    make_referral(location=location)
    failing = Delivery.objects.filter(status="pending").get()
    for seconds in (0, 6, 70):
        sending.deliver(failing.pk, now=start + timedelta(minutes=5, seconds=seconds))
    failing.refresh_from_db()
    endpoint.refresh_from_db()
    assert failing.status == "failed" and failing.attempts == 3 and "500" in failing.last_error
    assert not endpoint.is_active and endpoint.disabled_at is not None
    [email] = OutboundEmail.objects.filter(template="webhook_disabled")
    assert email.to_email == admin.email and "無効" in email.subject
    # While it is off nothing is queued for it; turned on again, a delivery sent again goes out.
    make_referral(location=location)
    assert not Delivery.objects.filter(status="pending").exists()
    inbox.failing_with = None
    endpoints.update(endpoint, by=admin, url=url, events=["referral.created"], description="", is_active=True)
    endpoints.send_again(failing, by=admin)
    assert sending.deliver(failing.pk) == "delivered"
    assert inbox.received[-1].headers["webhook-id"] == failing.message_id


@pytest.mark.parametrize(
    ("url", "resolves_to"),
    [
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://localhost/hook", "::1"),
        ("https://intranet.example/hook", "10.0.0.5"),
        ("https://metadata.example/hook", "169.254.169.254"),
        ("https://carrier.example/hook", "100.64.0.1"),
        ("https://mapped.example/hook", "::ffff:192.168.1.1"),
    ],
)
def test_endpoints_on_our_own_network_are_refused_when_saved_and_when_sent(
    admin, location, settings, monkeypatch, url, resolves_to
):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    addresses = {"public": "93.184.216.34", "private": resolves_to}
    answer = {"now": "private"}

    def getaddrinfo(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in addresses[answer["now"]] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (addresses[answer["now"]], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(endpoints.ValidationError, match="not a public address"):
        endpoints.create(by=admin, url=url, events=["referral.created"])
    # Saved while its name pointed to the internet, then the name points inside: refused at send time.
    answer["now"] = "public"
    endpoints.create(by=admin, url=url, events=["referral.created"])
    answer["now"] = "private"
    make_referral(location=location)
    delivery = Delivery.objects.get()
    assert sending.deliver(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "not a public address" in delivery.last_error and delivery.last_status_code is None


def test_only_https_in_production(admin, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    with pytest.raises(endpoints.ValidationError, match="https"):
        endpoints.create(by=admin, url="http://hooks.example/x", events=["referral.created"])
    with pytest.raises(transport.Refused):
        transport.check_url("https://user:pass@hooks.example/x")


def test_the_admin_adds_an_endpoint_sees_its_secret_once_pings_it_and_makes_a_new_one(
    client,
    admin,
    receiver,
    django_capture_on_commit_callbacks,
):
    inbox, url = receiver
    client.force_login(admin)
    page = client.post(reverse("webhooks:list"), {"url": url, "events": ["referral.created", "referral.updated"]})
    assert page.status_code == 201
    first = page.context["secret"]
    assert first in page.content.decode() and first not in every_stored_value()
    endpoint = Endpoint.objects.get()
    assert first not in client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:ping", args=[endpoint.pk]))
    assert verify(first, inbox.received[-1])["type"] == "ping"
    log = client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    assert "ping" in log and "204" in log

    # A new secret: for a day both sign, so a receiver that still has the old one keeps working.
    second = client.post(reverse("webhooks:new_secret", args=[endpoint.pk])).context["secret"]
    assert second != first
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:ping", args=[endpoint.pk]))
    received = inbox.received[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    verify(first, received)
    verify(second, received)

    # Send again keeps the webhook-id.
    ping = Delivery.objects.filter(event_type="ping").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:send_again", args=[endpoint.pk, ping.pk]))
    assert inbox.received[-1].headers["webhook-id"] == ping.message_id


def test_a_payload_is_built_when_sent_so_an_erased_customer_never_leaves(admin, location, receiver):
    inbox, url = receiver
    endpoints.create(by=admin, url=url, events=["referral.updated"])
    referral = make_referral(location=location)
    lifecycle.mark_interested(referral, by=admin)
    email = referral.rfi.customer.email
    privacy.erase_customer(referral.rfi.customer)
    sending.deliver(Delivery.objects.get().pk)
    body = inbox.received[0].body.decode()
    assert email not in body and "Hanako" not in body
    assert json.loads(body)["data"]["referral"]["customer"]["contact_name"] == "[erased]"
