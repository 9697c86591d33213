from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboundEmail
from .queue import dispatch


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "template",
        "to_email",
        "language",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
    )
    list_filter = ("status", "template", "language", "renders_at_send")
    search_fields = ("to_email", "subject", "dedupe_key")
    date_hierarchy = "created_at"
    # What the row holds is all there is to see: emails with a secret link keep a copy without it.
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # what was sent is a record; resend is the one thing to do

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("outbox.resend_outboundemail")

    @admin.action(description=_("Send again"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset) -> None:
        """Put the selected emails back in the queue with a fresh set of attempts: failed ones
        after a mail-server fix, or a sent one a recipient says never arrived. They go out
        through the same worker path; an email built at send time is built afresh (a new
        password-reset link, say), and one that no longer applies is cancelled again."""
        emails = list(queryset)
        for email in emails:
            self.log_change(
                request,
                email,
                f"Sent again (was {email.status} after {email.attempts} attempts)",
            )
        queryset.update(status=OutboundEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="")
        dispatch([email.pk for email in emails])
        self.message_user(
            request,
            ngettext(
                "%(count)d email is queued to be sent again.",
                "%(count)d emails are queued to be sent again.",
                len(emails),
            )
            % {"count": len(emails)},
            messages.SUCCESS,
        )
