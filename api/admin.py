from django.contrib import admin

from profiles.admin import ReadOnlyRecordAdmin

from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyRecordAdmin):
    """Partners' API keys: who made them, their scope and last use. The key is never here (only
    its digest is stored, and not shown)."""

    list_display = ("name", "partner", "prefix", "client", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (("partner", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("partner", "client")
    search_fields = ("name", "prefix", "partner__name")
    fields = ("name", "partner", "prefix", "client", "created_by", "created_at", "expires_at", "last_used_at",
              "last_used_from", "revoked_at", "revoked_by")  # fmt: skip
