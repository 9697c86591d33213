from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    list_filter = ("status", "template", "language")
    search_fields = ("to_email", "subject", "dedupe_key")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # what was sent is a record; resend is the one thing to do

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Send again"), permissions=["view"])
    def resend(self, request: HttpRequest, queryset) -> None:
        """Put the selected emails back in the queue: failed ones after a mail-server fix, or a
        sent one a recipient says never arrived. They go out through the same worker path."""
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(
            status=OutboundEmail.Status.PENDING,
            next_attempt_at=timezone.now(),
            last_error="",
            attempts=F("attempts"),
        )
        dispatch(ids)
        self.message_user(
            request, _("%(count)d emails are queued to be sent again.") % {"count": len(ids)}, messages.SUCCESS
        )
