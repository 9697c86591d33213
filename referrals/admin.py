"""Django admin for operator staff. A referral's state changes only through the lifecycle
actions (referrals.actions), offered on its page as the transitions allowed now."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from common import money
from common.forms import add_errors
from profiles.choices import Language
from profiles.models import Location, User

from . import lifecycle, privacy, registry, rfis
from .models import RFI, ActorKind, BlockedSender, Customer, Referral, ReferralEvent, Source, State
from .report import report_view
from .templatetags.referral_tags import recorded as recorded_values


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class ReferralEventInline(admin.TabularInline):
    """The referral's history as its partner reads it on the portal: the step's label and the
    states' names (``New → Evaluating``), never their codes."""

    model = ReferralEvent
    template = "admin/edit_inline/records.html"
    fields = ("created_at", "step", "states", "by", "recorded", "note_shown")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")
    verbose_name_plural = _("History")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("action"))
    def step(self, event: ReferralEvent) -> str:
        return event.get_action_display()

    @admin.display(description=_("State"))
    def states(self, event: ReferralEvent) -> str:
        if event.from_state and event.from_state != event.to_state:
            return f"{event.get_from_state_display()} → {event.get_to_state_display()}"
        return event.get_to_state_display()

    @admin.display(description=_("by"))
    def by(self, event: ReferralEvent) -> str:
        kind = event.get_actor_kind_display()
        if event.actor is None:
            return kind
        name = event.actor.get_full_name() or event.actor.get_username()
        return _("%(name)s (%(kind)s)") % {"name": name, "kind": kind}

    @admin.display(description=_("details"))
    def recorded(self, event: ReferralEvent):
        shown = recorded_values(event)
        if not shown:
            return "—"
        return format_html('<dl class="recorded">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", shown))

    @admin.display(description=_("Note"))
    def note_shown(self, event: ReferralEvent) -> str:
        # The sweeps' notes are for the log; their step's label says it (as on the portal).
        return event.note if event.note and event.actor_kind != ActorKind.SYSTEM else "—"

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
    """Read-only: a referral's state and values change only through the partner actions
    (``registry``), each offered on its page as a button to its own form when allowed now."""

    list_display = ("__str__", "partner", "location", "state", "source", "region", "received_at", "deadline")
    list_filter = ("state", "source", RegionFilter, ("partner", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("partner", "location", "rfi")
    search_fields = ("=id", "partner__name", "rfi__need", "rfi__customer__email", "rfi__customer__company_name")
    date_hierarchy = "received_at"
    inlines = [ReferralEventInline]
    change_form_template = "admin/referrals/referral/change_form.html"
    fieldsets = (
        (None, {"fields": ("rfi_link", "partner", "location", "source", "state", "deadline")}),
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
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"] if isinstance(name, str)]
    actions = ["disconnect_selected"]

    def get_urls(self):
        own = [
            path("report/", self.admin_site.admin_view(report_view), name="referrals_referral_report"),
            path(
                "<path:object_id>/act/<str:action>/",
                self.admin_site.admin_view(self.act_view),
                name="referrals_referral_act",
            ),
        ]
        return [*own, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        referral = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            # Nothing on the page is saved: what changes a referral is one of its actions.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "lifecycle_actions": registry.allowed(referral, request.user) if referral else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def act_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """One action's form for one referral, run by operator staff on the partner's behalf."""
        referral = self.get_object(request, object_id)
        if referral is None:
            raise Http404
        operator = request.user
        assert isinstance(operator, User)  # the admin serves signed-in staff only
        if action not in [allowed.name for allowed in registry.allowed(referral, operator)]:
            raise PermissionDenied
        chosen = registry.ACTIONS[action]
        form = chosen.form(request.POST or None, referral=referral, action=action)
        back = reverse("admin:referrals_referral_change", args=[referral.pk])
        if request.method == "POST" and form.is_valid():
            try:
                chosen.perform(form, operator)
            except lifecycle.ReferralConflict as conflict:
                self.message_user(request, str(conflict), messages.ERROR)
                return HttpResponseRedirect(back)
            except ValidationError as error:
                add_errors(form, error)
            else:
                self.message_user(request, str(chosen.done), messages.SUCCESS)
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{referral}: {chosen.title}",
            "opts": self.model._meta,
            "original": referral,
            "action": chosen,
            "form": form,
            "back": back,
        }
        status = 400 if form.is_bound and form.errors else 200
        return TemplateResponse(request, "admin/referrals/referral/act.html", context, status=status)

    @admin.display(description=_("region"), ordering="rfi__region")
    def region(self, referral: Referral) -> str:
        return referral.rfi.get_region_display()

    @admin.display(description=_("RFI"))
    def rfi_link(self, referral: Referral):
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
        return _("%(amount)s, closing by %(date)s") % {
            "amount": money.money(referral.deal_value, referral.currency),
            "date": date_format(referral.close_date, "DATE_FORMAT") if referral.close_date else "—",
        }

    @admin.display(description=_("outcome"))
    def outcome(self, referral: Referral) -> str:
        if referral.final_value is not None:
            return money.money(referral.final_value, referral.currency)
        return (
            referral.get_decline_reason_display()
            or referral.get_lost_reason_display()
            or referral.get_skip_reason_display()
            or "—"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # referrals are made by sending an RFI (see the RFI page)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # archived, never deleted: the partner's record and statistics depend on it

    def save_model(self, request, obj, form, change) -> None:
        pass  # nothing on the page is editable: see its actions

    @admin.action(description=_("Disconnect the selected active referrals"), permissions=["change"])
    def disconnect_selected(self, request: HttpRequest, queryset) -> None:
        done = 0
        for referral in queryset.filter(state__in=[State.NEW, State.EVALUATING, State.NEGOTIATING]):
            try:
                if not has_transition_perm(referral.disconnect, request.user):
                    raise PermissionDenied
                lifecycle.disconnect(referral, by=request.user)  # type: ignore[arg-type]  # staff, signed in
                done += 1
            except lifecycle.ReferralConflict:
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
        rfis.check_locations(locations)
        return locations


class ReferralInline(admin.TabularInline):
    """A request's referrals, each a link to its own page (where its actions are)."""

    model = Referral
    template = "admin/edit_inline/records.html"
    fields = ("link", "partner", "location", "state", "received_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("Referral"))
    def link(self, referral: Referral):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:referrals_referral_change", args=[referral.pk]), referral
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read here; a referral changes through its actions, on its own page


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flagged as spam or abuse")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(flagged_at__isnull=self.value() == "no")
        return queryset


class LinkedFilter(admin.SimpleListFilter):
    title = _("same customer's earlier request")
    parameter_name = "linked"

    def lookups(self, request, model_admin):
        return [("yes", _("Linked to an earlier request")), ("no", _("Not linked"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(duplicate_of__isnull=self.value() == "no")
        return queryset


@admin.register(RFI)
class RFIAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer", "source", "solution_area", "region", "created_at", "linked", "flagged")
    list_filter = ("source", "region", "solution_area", FlaggedFilter, LinkedFilter)
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
        "budget",
        "timeline",
        "consent_to_share",
        "created_by",
        "created_at",
        "earlier_request",
        "later_requests",
        "flagged_at",
        "flagged_by",
    )

    @admin.display(description=_("same customer's earlier request"), ordering="duplicate_of")
    def linked(self, rfi: RFI) -> str:
        return f"#{rfi.duplicate_of_id}" if rfi.duplicate_of_id else ""

    @admin.display(description=_("flagged as spam or abuse at"), boolean=True, ordering="flagged_at")
    def flagged(self, rfi: RFI) -> bool:
        return rfi.flagged_at is not None

    @admin.display(description=_("same customer's earlier request"))
    def earlier_request(self, rfi: RFI):
        if rfi.duplicate_of_id is None:
            return "—"
        url = reverse("admin:referrals_rfi_change", args=[rfi.duplicate_of_id])
        return format_html('<a href="{}">#{}</a>', url, rfi.duplicate_of_id)

    @admin.display(description=_("the same customer's later requests"))
    def later_requests(self, rfi: RFI):
        later = list(RFI.objects.filter(duplicate_of=rfi).order_by("created_at").values_list("pk", flat=True))
        if not later:
            return "—"
        return format_html_join(
            ", ", '<a href="{}">#{}</a>', ((reverse("admin:referrals_rfi_change", args=[pk]), pk) for pk in later)
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OperatorRFIForm
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("budget range"))
    def budget(self, rfi: RFI) -> str:
        return rfi.get_budget_range_display()  # in the currency the customer saw it in

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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The request and its referrals are written by rfis.submit_rfi in a transaction of its
        # own (durable): the one Django's admin opens around a form would nest it.
        return self._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[attr-defined]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A request is a record: its page is read, never saved (so Django offers no Save
        # buttons and refuses a post). Operators enter new ones, with the add permission.
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj: RFI, form, change) -> None:
        if change:
            return
        data = form.cleaned_data
        rfi = rfis.submit_rfi(
            rfis.CustomerDetails.from_form(data, language=data["language"]),
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


@admin.register(BlockedSender)
class BlockedSenderAdmin(admin.ModelAdmin):
    """Addresses and domains whose requests are dropped: the sender sees the usual thank-you
    page, nothing is stored or sent."""

    list_display = ("address", "reason", "created_by", "created_at")
    search_fields = ("address", "reason")
    readonly_fields = ("created_by", "created_at")
    fields = ("address", "reason", "created_by", "created_at")

    def save_model(self, request, obj: BlockedSender, form, change) -> None:
        obj.address = obj.address.strip().lower().lstrip("@")
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
