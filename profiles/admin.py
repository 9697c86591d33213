from __future__ import annotations

import nested_admin
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import CompanySize, Industry, Language, SolutionArea
from .models import (
    ACTIVE_PROFILE_NEEDS_CONTACT,
    BusinessProfile,
    Contact,
    Invitation,
    Location,
    PartnerChange,
    PartnerCompany,
    User,
)


class PartnerUserInline(admin.TabularInline):
    model = User
    fields = ("username", "first_name", "last_name", "email", "role", "language", "is_active")
    extra = 0
    show_change_link = True
    verbose_name = _("user")
    verbose_name_plural = _("users")


@admin.register(PartnerCompany)
class PartnerCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "user_count", "profile_count", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [PartnerUserInline]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(user_count=Count("users", distinct=True), profile_count=Count("profiles", distinct=True))
        )

    @admin.display(description=_("users"), ordering="user_count")
    def user_count(self, company: PartnerCompany) -> int:
        return company.user_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description=_("business profiles"), ordering="profile_count")
    def profile_count(self, company: PartnerCompany) -> int:
        return company.profile_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def save_formset(self, request, form, formset, change):
        # Users added here sign in after a password reset; they never get a password by email.
        for user in formset.save(commit=False):
            if user._state.adding:
                user.set_unusable_password()
            user.save()
        for user in formset.deleted_objects:
            user.delete()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "partner", "role", "is_staff", "is_active", "last_login")
    list_filter = ("partner", "role", "is_staff", "is_active", "is_api_client")
    list_select_related = ("partner",)
    search_fields = ("username", "email", "first_name", "last_name", "partner__name")
    autocomplete_fields = ("partner",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Partner"), {"fields": ("partner", "role", "language", "time_zone")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "partner", "role", "language", "password1", "password2"),
            },
        ),
    )


class ContactInline(nested_admin.NestedTabularInline):
    model = Contact
    fields = ("name", "email", "phone", "language", "receives_referrals")
    extra = 0


class LocationFormSet(nested_admin.NestedInlineFormSet):
    """An active profile must keep someone to email: at least one active location with a
    contact, judged on what is being saved (the profile, its locations and their contacts
    are submitted together on one page)."""

    def clean(self) -> None:
        super().clean()
        if not self.instance.is_active:
            return
        for form in self.forms:
            if self._should_delete_form(form) or not form.is_valid():
                continue
            if not form.cleaned_data.get("is_active", form.instance.is_active):
                continue
            if not (form.instance.pk or form.has_changed()):
                continue
            for contacts in getattr(form, "nested_formsets", []):
                if not contacts.is_valid():
                    return  # the contacts' own errors say what to fix first
                for contact in contacts.forms:
                    if contacts._should_delete_form(contact) or not (contact.instance.pk or contact.has_changed()):
                        continue
                    if contact.is_valid() and contact.cleaned_data.get("receives_referrals"):
                        return
        raise ValidationError(ACTIVE_PROFILE_NEEDS_CONTACT)


class LocationInline(nested_admin.NestedStackedInline):
    model = Location
    formset = LocationFormSet
    fields = (("name", "city"), ("address", "postal_code"), "is_active", ("paused_until", "monthly_cap"))
    extra = 0
    inlines = [ContactInline]


class BusinessProfileForm(forms.ModelForm):
    """Lists of codes shown as checkboxes with labels in the operator's language."""

    solution_areas = forms.MultipleChoiceField(
        label=_("specialties"), choices=SolutionArea.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    industries = forms.MultipleChoiceField(
        label=_("industries"), choices=Industry.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    company_sizes = forms.MultipleChoiceField(
        label=_("company sizes served"),
        choices=CompanySize.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = BusinessProfile
        fields = (
            "partner",
            "region",
            "headline",
            "description",
            "keywords",
            "solution_areas",
            "industries",
            "company_sizes",
            "languages",
            "is_active",
        )


@admin.register(BusinessProfile)
class BusinessProfileAdmin(nested_admin.NestedModelAdmin):
    form = BusinessProfileForm
    list_display = ("partner", "region", "headline", "is_active", "location_count", "updated_at")
    list_filter = ("is_active", "region", "partner")
    list_select_related = ("partner",)
    search_fields = ("partner__name", "headline", "keywords", "description")
    autocomplete_fields = ("partner",)
    inlines = [LocationInline]
    actions = ["activate", "deactivate"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(location_count=Count("locations"))

    @admin.display(description=_("locations"), ordering="location_count")
    def location_count(self, profile: BusinessProfile) -> int:
        return profile.location_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.action(description=_("Activate the selected profiles"), permissions=["change"])
    def activate(self, request: HttpRequest, queryset) -> None:
        ready = [profile.pk for profile in queryset if profile.has_receiving_location()]
        activated = queryset.filter(pk__in=ready).update(is_active=True)
        if activated:
            self.message_user(
                request,
                ngettext("Activated %(count)d profile.", "Activated %(count)d profiles.", activated)
                % {"count": activated},
                messages.SUCCESS,
            )
        refused = queryset.exclude(pk__in=ready).count()
        if refused:
            self.message_user(request, ACTIVE_PROFILE_NEEDS_CONTACT, messages.ERROR)

    @admin.action(description=_("Deactivate the selected profiles"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset) -> None:
        count = queryset.update(is_active=False)
        self.message_user(
            request,
            ngettext("Deactivated %(count)d profile.", "Deactivated %(count)d profiles.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Location)
class LocationAdmin(nested_admin.NestedModelAdmin):
    list_display = ("name", "city", "profile", "is_active")
    list_filter = ("is_active", "profile__region")
    list_select_related = ("profile__partner",)
    search_fields = ("name", "city", "profile__partner__name")
    autocomplete_fields = ("profile",)
    inlines = [ContactInline]


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(PartnerChange)
class PartnerChangeAdmin(ReadOnlyRecordAdmin):
    """What partners changed in their own profiles, locations, contacts and team."""

    list_display = ("created_at", "partner", "actor", "subject")
    list_filter = (("partner", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("partner", "actor")
    search_fields = ("subject", "partner__name")
    date_hierarchy = "created_at"
    fields = ("created_at", "partner", "actor", "subject", "changes")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyRecordAdmin):
    list_display = ("email", "partner", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role", ("partner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("partner",)
    search_fields = ("email", "partner__name")
    # The link's salt and digest are not shown: the link is the invitee's.
    fields = ("email", "partner", "role", "locations", "language", "invited_by", "created_at", "expires_at",
              "accepted_at", "revoked_at", "user")  # fmt: skip
