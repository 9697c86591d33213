"""The partner's pages. Every referral is fetched through ``get_referral_for_user``: another
company's referral is a 404, whatever the URL."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from common import csv_export
from common.forms import add_errors, submitted
from profiles.auth import PartnerRequest, partner_of, partner_required
from profiles.models import User

from . import caching, inbox, registry, tally, tips
from .forms import ActionForm
from .lifecycle import ReferralConflict
from .models import Referral, ReferralRead, State


def get_referral_for_user(user: User, pk: int, *, related: bool = True) -> Referral:
    """The one way a partner page fetches a referral: another company's is a 404. ``related``
    loads its request, customer and location in the same query."""
    referrals = Referral.objects.for_user(user)
    if related:
        referrals = referrals.select_related("rfi__customer", "location")
    return get_object_or_404(referrals, pk=pk)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and getattr(request.user, "partner_id", None):
        return redirect("referrals:dashboard")
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return redirect("partners:search")


def _counts(states: dict[str, int]) -> dict[str, int]:
    """The tabs' counts from the partner's referrals per state (``tally.by_state``)."""
    return {tab: sum(states[state] for state in tab_states) for tab, tab_states in inbox.TAB_STATES.items()}


@partner_required
def dashboard(request: PartnerRequest) -> HttpResponse:
    now = timezone.now()
    mine = Referral.objects.for_user(request.user)
    counts = _counts(tally.by_state(partner_of(request.user).pk, request.user.location_scope))
    # The waiting lists and tips are read only when their cached fragment is rendered afresh:
    # when something of the partner's changed or the minute their clocks show turns.
    return render(
        request,
        "referrals/dashboard.html",
        {
            "fragment": caching.dashboard_lists(request.user, minute=now.strftime("%Y-%m-%dT%H:%M")),
            "tips": SimpleLazyObject(lambda: tips.cached_for(request.user, now)),
            "counts": [(key, label, counts[key]) for key, (label, _condition) in inbox.TABS.items()],
            "needs_response": SimpleLazyObject(
                lambda: [
                    inbox.new_waiting(r, now) for r in mine.awaiting_response().select_related("rfi", "location")[:20]
                ]
            ),
            "evaluating": SimpleLazyObject(
                lambda: [
                    inbox.evaluating_waiting(r, now)
                    for r in mine.filter(state=State.EVALUATING)
                    .select_related("rfi", "location")
                    .order_by("evaluating_at")[:20]
                ]
            ),
            # Deals whose estimated close date has passed: update the estimate, or report the outcome.
            "past_close": SimpleLazyObject(
                lambda: list(
                    mine.filter(state=State.NEGOTIATING, close_date__lt=timezone.localdate(now))
                    .select_related("location")
                    .order_by("close_date", "pk")[:20]
                )
            ),
        },
    )


@partner_required
def referral_list(request: PartnerRequest) -> HttpResponse:
    mine = Referral.objects.for_user(request.user)
    filters = inbox.Filters.from_request(request)
    partner_id, scope = partner_of(request.user).pk, request.user.location_scope
    counts = _counts(states := tally.by_state(partner_id, scope))
    location, area = filters.data.get("location") or None, filters.data.get("area", "")
    if filters.counted_by_tallies and (location or area):  # the tab at one location or about one area
        states = tally.by_state(partner_id, scope, location=location, solution_area=area)
    # The tallies count the rows unless a search or another filter must count its matches.
    known = filters.tallied(states)
    page = filters.page(filters.apply(mine).select_related("rfi__customer", "location", "owner"), count=known)
    now = timezone.now()
    return render(
        request,
        "referrals/list.html",
        {
            "tabs": [(key, label, counts[key]) for key, (label, _condition) in inbox.TABS.items()],
            "filters": filters,
            "form": filters.form,
            "tab": filters.tab,
            "sort": filters.sort,
            "sorts": [
                (key, sort.label) for key, sort in inbox.SORTS.items() if not sort.tabs or filters.tab in sort.tabs
            ],
            "columns": _sortable_columns(filters),
            "title": SimpleLazyObject(filters.title),
            "page": page,
            "today": timezone.localdate(now),
            "fragment": caching.inbox_rows(
                request.user,
                filters=filters.key(),
                # The time left changes with the minute; which rows the reader opened, with a read.
                minute=now.strftime("%Y-%m-%dT%H:%M") if filters.tab in inbox.CLOCKS else "",
            ),
            "filters_fragment": caching.inbox_filters(request.user, filters=filters.form_key()),
            "export_query": filters.without_position().urlencode(),
        },
        status=400 if filters.form.errors else 200,
    )


def _sortable_columns(filters: inbox.Filters) -> dict[str, dict]:
    """Each sortable column's link (ascending first, then the other way) and its aria-sort."""
    columns = {"received": ("received", "-received")}
    if filters.tab in inbox.CLOCKS:
        columns["urgent"] = ("urgent", "urgent")
    if filters.tab == "negotiating":
        columns["value"] = ("-value", "value")
        columns["close"] = ("close", "-close")
    shown = {}
    for name, (first, other) in columns.items():
        current = filters.sort in (first, other)
        target = other if filters.sort == first and first != other else first
        direction = "descending" if filters.sort.startswith("-") else "ascending"
        shown[name] = {"url": filters.url(sort=target), "aria_sort": direction if current else None}
    return shown


# The header row is in the reader's language (a spreadsheet is read by people); the values
# keep the codes the API and the filters use, so a pivot table or a CRM import stays stable.
EXPORT_COLUMNS = [
    gettext_lazy("Referral number"),
    gettext_lazy("State"),
    gettext_lazy("Source"),
    pgettext_lazy("a date", "Received"),
    gettext_lazy("First response"),
    gettext_lazy("Closed"),
    gettext_lazy("Location"),
    gettext_lazy("Need"),
    gettext_lazy("Solution area"),
    gettext_lazy("Industry"),
    gettext_lazy("Company size"),
    gettext_lazy("Region"),
    gettext_lazy("Estimated deal value"),
    gettext_lazy("Currency"),
    gettext_lazy("Estimated close date"),
    gettext_lazy("Final deal value"),
    gettext_lazy("Decline reason"),
    gettext_lazy("Lost reason"),
    gettext_lazy("Not interested reason"),
    gettext_lazy("Customer name"),
    gettext_lazy("Customer company"),
    gettext_lazy("Customer email"),
    gettext_lazy("Customer phone"),
]


def _export_rows(referrals):
    for referral in referrals.iterator(chunk_size=2000):
        customer = referral.rfi.customer if referral.customer_details_visible else None
        yield (
            [
                referral.pk,
                referral.state,
                referral.source,
                referral.received_at.isoformat(),
                referral.first_response_at.isoformat() if referral.first_response_at else "",
                referral.closed_at.isoformat() if referral.closed_at else "",
                referral.location.name,
                referral.rfi.need,
                referral.rfi.solution_area,
                referral.rfi.industry,
                referral.rfi.company_size,
                referral.rfi.region,
                referral.deal_value if referral.deal_value is not None else "",
                referral.currency,
                referral.close_date.isoformat() if referral.close_date else "",
                referral.final_value if referral.final_value is not None else "",
                referral.decline_reason,
                referral.lost_reason,
                referral.skip_reason,
                # Contact details only for referrals the partner said Interested to.
                *(
                    (customer.contact_name, customer.company_name, customer.email, customer.phone)
                    if customer
                    else ("",) * 4
                ),
            ]
        )


@partner_required
def export_csv(request: PartnerRequest) -> StreamingHttpResponse:
    """The partner's own referrals as CSV, with the list's filters, streamed row by row."""
    referrals = inbox.Filters.from_request(request).apply(Referral.objects.for_user(request.user))
    return csv_export.download(
        "referrals.csv", EXPORT_COLUMNS, _export_rows(referrals.select_related("rfi__customer", "location"))
    )


def _detail(
    request: PartnerRequest, referral: Referral, bound: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    # The actions allowed now, each with its form: the one just refused (``bound``), or a fresh
    # one built only if the page renders its fields (the unbound ones usually come from the cache).
    actions = [
        (
            action,
            bound if bound is not None and bound.action == action.name
            else SimpleLazyObject(partial(action.form, referral=referral, action=action.name)),
            caching.action_fields(request.user, action.name, action.form.shown_alike(referral)),
        )
        for action in registry.allowed(referral, request.user)
    ]  # fmt: skip
    deadline = inbox.waiting(referral, now)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            # Read only by the cached summary: loaded when it is rendered afresh.
            "rfi": SimpleLazyObject(lambda: referral.rfi),
            "same_customer": SimpleLazyObject(lambda: _asked_before(request.user, referral)),
            # The customer's contact details leave the server only after Interested.
            "customer": SimpleLazyObject(lambda: referral.rfi.customer) if referral.customer_details_visible else None,
            "events": referral.events.select_related("actor"),
            # The lifecycle's steps, and the steps that move no state (owner, notes) on their own.
            "actions": [step for step in actions if step[0].allowed_for is None],
            "activities": {step[0].name: step for step in actions if step[0].allowed_for is not None},
            "bound": bound.action if bound is not None else "",
            "form": bound,  # a refused action's form: the page's error summary and title
            "deadline": deadline,
            "fragment": caching.referral_page(request.user, referral.pk),
        },
        status=status,
    )


def _asked_before(user: User, referral: Referral) -> Referral | None:
    """This partner's referral of the same customer's earlier request (linked when it arrived,
    ``rfis.earlier_request``); nothing about other partners."""
    root = referral.rfi.duplicate_of_id
    if root is None:
        return None
    return (
        Referral.objects.for_user(user)
        .filter(Q(rfi_id=root) | Q(rfi__duplicate_of_id=root), received_at__lt=referral.received_at)
        .exclude(pk=referral.pk)
        .order_by("-received_at")
        .first()
    )


@partner_required
def referral_detail(request: PartnerRequest, pk: int) -> HttpResponse:
    # The referral alone: what the page shows of its request, customer and location comes from
    # the cache unless the referral changed (select_related cost more than the query it saved).
    referral = get_referral_for_user(request.user, pk, related=False)
    if ReferralRead.mark(request.user.pk, referral.pk):
        caching.opened_first_time(request.user)  # the inbox drops its "not opened" mark
    shown_again = getattr(request, "refused_post", None) is not None  # after a language switch
    for action in registry.allowed(referral, request.user) if shown_again else ():
        refused = submitted(request, reverse("referrals:act", args=[referral.pk, action.name]))
        if refused is not None:  # shown again after a language switch, in the new language
            form = action.form(refused, referral=referral, action=action.name)
            return _detail(request, referral, bound=form, status=400 if form.errors else 200)
    return _detail(request, referral)


@require_POST
@partner_required
def act(request: PartnerRequest, pk: int, action: str) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    if action not in registry.ACTIONS:
        raise Http404
    chosen = registry.ACTIONS[action]
    # What this answer shows is the referral's page: its language switch and a refused form go there.
    request.shown_at = reverse("referrals:detail", args=[referral.pk])  # type: ignore[attr-defined]
    form = chosen.form(request.POST, referral=referral, action=action)
    if form.is_valid() and chosen.confirm and request.POST.get("confirmed") != "yes":
        # Asked once more before what cannot be undone; the answer posts the same form again.
        return render(
            request,
            "referrals/confirm.html",
            {"referral": referral, "action": chosen, "form": form, "values": form.cleaned_data},
        )
    if form.is_valid():
        try:
            chosen.perform(form, request.user)
        except ReferralConflict as conflict:
            messages.error(request, str(conflict))
            return redirect("referrals:detail", pk=referral.pk)
        except PermissionDenied as denied:
            raise Http404 from denied
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, str(chosen.done))
            return redirect("referrals:detail", pk=referral.pk)
    if form.data.get("expected_state") and form.data["expected_state"] != referral.state:
        messages.error(request, str(ReferralConflict(referral)))
        return redirect("referrals:detail", pk=referral.pk)
    messages.error(request, _("Please correct the fields marked below."))
    return _detail(request, referral, bound=form, status=400)
