"""Django admin for operator staff. A referral's state changes only through the lifecycle
actions (referrals.actions), offered on its page as the transitions allowed now."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from profiles.choices import Currency, Language
from profiles.models import Location

from . import actions, privacy
from .models import RFI, Customer, DeclineReason, LostReason, Referral, ReferralEvent, Source, State
from .report import report_view

# Admin label of each lifecycle action, in DOMAIN.md's words.
LIFECYCLE_ACTIONS = {
    "mark_interested": _("Interested"),
    "mark_not_interested": _("Not interested"),
    "accept": _("Accept"),
    "decline": _("Decline"),
    "mark_won": _("Won"),
    "mark_lost": _("Lost"),
    "disconnect": _("Disconnect"),
}


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class ReferralLifecycleForm(forms.ModelForm):
    """No referral field is editable; the operator picks one of the actions allowed now and
    gives what that action needs."""

    lifecycle_action = forms.ChoiceField(label=_("Move to the next stage"), required=False)
    deal_value = forms.DecimalField(label=_("estimated deal value"), required=False, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("currency"), choices=[("", "—"), *Currency.choices], required=False)
    close_date = forms.DateField(
        label=_("estimated close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    final_value = forms.DecimalField(label=_("final deal value"), required=False, max_digits=14, decimal_places=2)
    decline_reason = forms.ChoiceField(
        label=_("decline reason"), choices=[("", "—"), *DeclineReason.choices], required=False
    )
    lost_reason = forms.ChoiceField(label=_("lost reason"), choices=[("", "—"), *LostReason.choices], required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    class Meta:
        model = Referral
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(name, LIFECYCLE_ACTIONS[name]) for name in self.instance.actions_for(user)] if user else []
        self.fields["lifecycle_action"].choices = [("", _("— keep the current stage —")), *allowed]

    def clean(self):
        data = super().clean()
        action = data.get("lifecycle_action")
        checks = {
            "accept": [
                lambda: actions.clean_amount(data.get("deal_value"), "deal_value"),
                lambda: actions.clean_currency(data.get("currency") or ""),
                lambda: actions.clean_close_date(data.get("close_date"), timezone.now()),
            ],
            "decline": [lambda: actions.clean_reason(data.get("decline_reason") or "", DeclineReason)],
            "mark_lost": [lambda: actions.clean_reason(data.get("lost_reason") or "", LostReason)],
            "mark_won": [lambda: actions.clean_amount(data.get("final_value"), "final_value")],
        }
        reason_field = "decline_reason" if action == "decline" else "lost_reason"
        for check in checks.get(action, []):
            try:
                check()
            except ValidationError as error:  # every problem at once, each on its own field
                for field, errors in error.message_dict.items():
                    self.add_error(reason_field if field == "reason" else field, errors)
        return data

    def _post_clean(self) -> None:
        pass  # this form writes no field of the referral; the actions do


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    fields = ("created_at", "from_state", "to_state", "action", "actor_kind", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")
    verbose_name_plural = _("History")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RegionFilter(admin.SimpleListFilter):
    title = _("region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        from profiles.choices import Region

        return Region.choices

    def queryset(self, request, queryset):
        return queryset.filter(rfi__region=self.value()) if self.value() else queryset


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    form = ReferralLifecycleForm
    list_display = ("__str__", "partner", "location", "state", "source", "region", "received_at", "deadline")
    list_filter = ("state", "source", RegionFilter, ("partner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("partner", "location", "rfi")
    search_fields = ("=id", "partner__name", "rfi__need", "rfi__customer__email", "rfi__customer__company_name")
    date_hierarchy = "received_at"
    inlines = [ReferralEventInline]
    readonly_fields = (
        "rfi_link",
        "partner",
        "location",
        "source",
        "state",
        "received_at",
        "first_response_at",
        "evaluating_at",
        "accepted_at",
        "closed_at",
        "deadline",
        "deal_value",
        "currency",
        "close_date",
        "final_value",
        "decline_reason",
        "lost_reason",
        "estimate",
        "outcome",
        "outcome_note",
    )
    fieldsets = (
        (None, {"fields": ("rfi_link", "partner", "location", "source", "state", "deadline")}),
        (
            _("Lifecycle"),
            {
                "fields": (
                    "lifecycle_action",
                    ("deal_value", "currency", "close_date"),
                    "final_value",
                    ("decline_reason", "lost_reason"),
                    "note",
                ),
                "description": _("Only the actions allowed in the current state are offered."),
            },
        ),
        (
            _("What happened"),
            {
                "fields": (
                    "received_at",
                    "first_response_at",
                    "evaluating_at",
                    "accepted_at",
                    "closed_at",
                    "estimate",
                    "outcome",
                    "outcome_note",
                )
            },
        ),
    )
    actions = ["disconnect_selected"]

    def get_urls(self):
        from django.urls import path

        report = path("report/", self.admin_site.admin_view(report_view), name="referrals_referral_report")
        return [report, *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        # The lifecycle inputs stay editable; the referral's own values are shown read-only
        # above them in "What happened" once set.
        return [field for field in self.readonly_fields if field not in ReferralLifecycleForm.base_fields]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not obj.is_active:
            return [fieldset for fieldset in self.fieldsets if fieldset[0] != _("Lifecycle")]
        return self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return RequestForm

    @admin.display(description=_("region"), ordering="rfi__region")
    def region(self, referral: Referral) -> str:
        return referral.rfi.get_region_display()

    @admin.display(description=_("RFI"))
    def rfi_link(self, referral: Referral):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html(
            '<a href="{}">{}</a>', reverse("admin:referrals_rfi_change", args=[referral.rfi_id]), referral.rfi
        )

    @admin.display(description=_("deadline"))
    def deadline(self, referral: Referral) -> str:
        if referral.fails_at:
            return _("Fails at %(when)s without a response") % {"when": _when(referral.fails_at)}
        if referral.expires_at:
            return _("Expires at %(when)s without accept or decline") % {"when": _when(referral.expires_at)}
        return "—"

    @admin.display(description=_("estimate"))
    def estimate(self, referral: Referral) -> str:
        if referral.deal_value is None:
            return "—"
        return _("%(value)s %(currency)s, closing by %(date)s") % {
            "value": number_format(referral.deal_value, 2, force_grouping=True),
            "currency": referral.currency,
            "date": date_format(referral.close_date, "DATE_FORMAT"),
        }

    @admin.display(description=_("outcome"))
    def outcome(self, referral: Referral) -> str:
        if referral.final_value is not None:
            return f"{number_format(referral.final_value, 2, force_grouping=True)} {referral.currency}"
        return referral.get_decline_reason_display() or referral.get_lost_reason_display() or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # referrals are made by sending an RFI (see the RFI page)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # archived, never deleted: the partner's record and statistics depend on it

    def save_model(self, request, obj: Referral, form, change) -> None:
        data = form.cleaned_data
        action = data.get("lifecycle_action")
        if not action:
            return
        by = request.user
        try:
            if action == "accept":
                actions.accept(
                    obj,
                    by=by,
                    deal_value=data["deal_value"],
                    currency=data["currency"],
                    close_date=data["close_date"],
                    expected_state=obj.state,
                )
            elif action == "decline":
                actions.decline(obj, by=by, reason=data["decline_reason"], note=data["note"], expected_state=obj.state)
            elif action == "mark_won":
                actions.mark_won(
                    obj, by=by, final_value=data["final_value"], note=data["note"], expected_state=obj.state
                )
            elif action == "mark_lost":
                actions.mark_lost(obj, by=by, reason=data["lost_reason"], note=data["note"], expected_state=obj.state)
            elif action == "disconnect":
                actions.disconnect(obj, by=by, note=data["note"])
            else:
                getattr(actions, action)(obj, by=by, expected_state=obj.state)
        except actions.ReferralConflict as conflict:
            self.message_user(request, str(conflict), messages.ERROR)
        else:
            obj.refresh_from_db()

    @admin.action(description=_("Disconnect the selected active referrals"), permissions=["change"])
    def disconnect_selected(self, request: HttpRequest, queryset) -> None:
        done = 0
        for referral in queryset.filter(state__in=[State.NEW, State.EVALUATING, State.NEGOTIATING]):
            try:
                if not has_transition_perm(referral.disconnect, request.user):
                    raise PermissionDenied
                actions.disconnect(referral, by=request.user)
                done += 1
            except actions.ReferralConflict:
                continue
        self.message_user(
            request,
            _("Disconnected %(count)d referrals.") % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


class OperatorRFIForm(forms.ModelForm):
    """An RFI entered by operator staff for marketing or sales, with its customer and the
    partner locations it goes to."""

    contact_name = forms.CharField(label=_("contact name"), max_length=200)
    company_name = forms.CharField(label=_("company"), max_length=200)
    email = forms.EmailField(label=_("email"))
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("language"), choices=Language.choices, initial=Language.JAPANESE)
    source = forms.ChoiceField(
        label=_("source"), choices=[(Source.MARKETING, Source.MARKETING.label), (Source.SALES, Source.SALES.label)]
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("partner locations"),
        queryset=Location.objects.reachable()
        .select_related("profile__partner")
        .order_by("profile__partner__name", "name"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("One location per partner; each becomes one referral."),
    )

    consent_to_share = forms.BooleanField(
        label=_("consent to share contact details"),
        help_text=_("The customer agreed that the partners chosen here see their contact details."),
    )

    class Meta:
        model = RFI
        fields = ("need", "solution_area", "company_size", "industry", "region", "budget_range", "timeline")

    def clean_locations(self):
        locations = list(self.cleaned_data["locations"])
        actions.check_locations(locations)
        return locations


class ReferralInline(admin.TabularInline):
    model = Referral
    fields = ("link", "partner", "location", "state", "received_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("referral"))
    def link(self, referral: Referral) -> str:
        return str(referral)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RFI)
class RFIAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer", "source", "solution_area", "region", "created_at")
    list_filter = ("source", "region", "solution_area")
    list_select_related = ("customer",)
    search_fields = ("=id", "need", "customer__email", "customer__company_name", "customer__contact_name")
    date_hierarchy = "created_at"
    inlines = [ReferralInline]
    readonly_fields = (
        "customer",
        "source",
        "need",
        "solution_area",
        "company_size",
        "industry",
        "region",
        "budget_range",
        "timeline",
        "consent_to_share",
        "created_by",
        "created_at",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OperatorRFIForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "source",
                ("contact_name", "company_name"),
                ("email", "phone", "language"),
                "need",
                ("solution_area", "company_size", "industry"),
                ("region", "budget_range", "timeline"),
                "locations",
                "consent_to_share",
            ]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj: RFI, form, change) -> None:
        if change:
            return
        data = form.cleaned_data
        rfi = actions.submit_rfi(
            actions.CustomerDetails.from_form(data, language=data["language"]),
            data["locations"],
            by=request.user,
            source=data["source"],
            consent_to_share=data["consent_to_share"],
            **{field: data[field] for field in OperatorRFIForm.Meta.fields},
        )
        obj.pk, obj.customer, obj.created_at = rfi.pk, rfi.customer, rfi.created_at

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("contact_name", "company_name", "email", "language", "created_at", "erased_at")
    list_filter = ("language", ("erased_at", admin.EmptyFieldListFilter))
    search_fields = ("contact_name", "company_name", "email")
    readonly_fields = ("created_at", "erased_at")
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Export personal data (JSON)"), permissions=["view"])
    def export_personal_data(self, request: HttpRequest, queryset):
        data = [privacy.export_customer_data(customer) for customer in queryset.order_by("pk")]
        response = JsonResponse(data, safe=False, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="customer-data.json"'
        return response

    @admin.action(description=_("Erase personal data (keeps the referrals)"), permissions=["change"])
    def erase_personal_data(self, request: HttpRequest, queryset) -> None:
        now = timezone.now()
        erased = [privacy.erase_customer(customer, now=now) for customer in queryset.filter(erased_at__isnull=True)]
        self.message_user(
            request,
            _("Erased the personal data of %(count)d customers.") % {"count": len(erased)},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
