"""A partner's webhook endpoints and the deliveries to them.

An endpoint's signing secret is not stored: it is derived from a random salt with the portal's
secret key (``webhooks.secrets``); the row keeps the salt and a digest that says which key
made it. A delivery is a row written in the transaction of the change it announces; its body
is built when it is sent, from the referral as it is then (so an erased customer's details
never leave after the erasure, and no copy of them rests here)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    REFERRAL_CREATED = "referral.created", _("A referral arrives (referral.created)")
    REFERRAL_UPDATED = "referral.updated", _("A referral changes (referral.updated)")
    PING = "ping", _("Test event (ping)")


SUBSCRIBABLE = [EventType.REFERRAL_CREATED, EventType.REFERRAL_UPDATED]


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Endpoint(models.Model):
    partner = models.ForeignKey(
        "profiles.PartnerCompany",
        verbose_name=_("partner company"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret_salt = models.CharField(max_length=64, editable=False)
    secret_digest = models.CharField(max_length=64, editable=False)
    # After a new secret, the previous one signs too until then (receivers switch meanwhile).
    previous_secret_salt = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_digest = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # Standard Webhooks' webhook-id: the same for every attempt of this delivery.
    message_id = models.CharField(_("message id"), max_length=40, unique=True, default=new_message_id)
    event_type = models.CharField(_("event"), max_length=32, choices=EventType.choices)
    referral = models.ForeignKey(
        "referrals.Referral", verbose_name=_("referral"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    event = models.ForeignKey(
        "referrals.ReferralEvent", verbose_name=_("timeline entry"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.message_id})"
