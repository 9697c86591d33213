from django.contrib import admin

from profiles.admin import ReadOnlyRecordAdmin

from .models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyRecordAdmin):
    """Partners' webhook endpoints. Their secrets are not stored (only a salt and a digest, not shown)."""

    list_display = ("url", "partner", "is_active", "disabled_at", "created_at")
    list_filter = ("is_active", ("partner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("partner",)
    search_fields = ("url", "partner__name")
    fields = ("url", "partner", "description", "events", "is_active", "disabled_at", "disabled_reason",
              "created_by", "created_at")  # fmt: skip


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyRecordAdmin):
    list_display = ("created_at", "event_type", "endpoint", "referral", "status", "attempts", "last_status_code")
    list_filter = ("status", "event_type")
    list_select_related = ("endpoint",)
    search_fields = ("message_id", "endpoint__url")
    fields = ("message_id", "endpoint", "event_type", "referral", "event", "status", "attempts", "next_attempt_at",
              "last_attempt_at", "last_status_code", "last_duration_ms", "last_error", "delivered_at",
              "created_at")  # fmt: skip
    raw_id_fields = ("referral", "event")
