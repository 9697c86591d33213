from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One email to one recipient, written in the same transaction as the change that causes it.

    ``dedupe_key`` names the reason for the email (``referral:42:failed:customer``) so that a
    sweep run twice, or two beat instances, queue it once. ``about`` is what the email is about
    (a referral, a request, a user), whatever app it belongs to: the outbox knows no app.

    An email that carries a secret (a password-reset or a customer's private link) is written
    with ``renders_at_send``: the worker builds it from what it is about just before sending,
    and what stays in the row is a copy without the secret (``queue.Builder``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    dedupe_key = models.CharField(_("reason"), max_length=200)  # unique: see Meta
    template = models.CharField(_("template"), max_length=64)
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"))
    renders_at_send = models.BooleanField(
        _("rendered at send time"),
        default=False,
        help_text=_("Built just before sending; the row keeps a copy without its links."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the next attempt is due; a sender's claim moves it forward by the lease (sending).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    about_type = models.ForeignKey(
        ContentType, verbose_name=_("about (kind)"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        permissions = [("resend_outboundemail", _("Can send emails again"))]
        indexes = [
            # The drain reads only what is still to send, by when it is due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due"),
            # The emails about one thing (a referral's, a request's), for privacy requests and tests.
            models.Index(fields=["about_type", "about_id"], name="outbox_about"),
        ]
        constraints = [
            # A constraint rather than unique=True, which on PostgreSQL adds a second index for
            # LIKE searches that nothing makes: one index write less for every email queued.
            models.UniqueConstraint(fields=["dedupe_key"], name="outbox_one_email_per_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_email} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        # Stable per row, so a mail server or client can drop a copy sent twice after a crash.
        return f"<outbox-{self.pk}-{self.dedupe_key.replace(':', '.')}@referrals-portal>"
