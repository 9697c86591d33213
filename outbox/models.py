from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One email to one recipient, written in the same transaction as the change that causes it.

    ``dedupe_key`` names the reason for the email (``referral:42:failed:customer``) so that a
    sweep run twice, or two beat instances, queue it once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    dedupe_key = models.CharField(_("reason"), max_length=200)  # unique: see Meta
    template = models.CharField(_("template"), max_length=64)
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"))
    # False for rows a bulk job wrote without rendering them (the timeout sweep): the worker
    # renders them, from the rows they are about, just before sending.
    rendered = models.BooleanField(_("rendered"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emails",
    )

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The drain reads only what is still to send, by when it is due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due"),
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
