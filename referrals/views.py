"""The partner's pages. Every referral is fetched through ``get_referral_for_user``: another
company's referral is a 404, whatever the URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common import csv_export
from common.forms import add_errors
from profiles.auth import PartnerRequest, partner_of, partner_required
from profiles.models import User

from . import caching, registry, tally, tips
from .forms import ActionForm
from .lifecycle import ReferralConflict
from .models import ARCHIVED_STATES, Referral, State

TABS = {
    "new": (gettext_lazy("New"), Q(state=State.NEW)),
    "evaluating": (gettext_lazy("Evaluating"), Q(state=State.EVALUATING)),
    "negotiating": (gettext_lazy("Negotiating"), Q(state=State.NEGOTIATING)),
    "archived": (gettext_lazy("Archived"), Q(state__in=ARCHIVED_STATES)),
}
OWNERS = {
    "me": gettext_lazy("Assigned to me"),
    "none": gettext_lazy("Unassigned"),
}
SORTS = {
    "oldest": (gettext_lazy("Oldest first"), ("received_at", "pk")),
    "newest": (gettext_lazy("Newest first"), ("-received_at", "-pk")),
}


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


@dataclass
class Waiting:
    """A referral waiting for the partner, with what the clock says about it."""

    referral: Referral
    waited: timedelta
    left: timedelta
    urgency: str  # "ok", "late" (past the 24-hour recommendation), "critical" (fails or expires soon)
    urgency_label: str


def _new_waiting(referral: Referral, now: datetime) -> Waiting:
    waited = now - referral.received_at
    left = referral.received_at + settings.REFERRAL_NEW_TIMEOUT - now
    if left <= timedelta(hours=12):
        return Waiting(referral, waited, left, "critical", _("Fails soon"))
    if waited >= settings.REFERRAL_RESPONSE_RECOMMENDED:
        return Waiting(referral, waited, left, "late", _("Past the recommended 24 hours"))
    return Waiting(referral, waited, left, "ok", _("Within 24 hours"))


def _evaluating_waiting(referral: Referral, now: datetime) -> Waiting:
    assert referral.evaluating_at is not None  # every evaluating referral has it
    waited = now - referral.evaluating_at
    left = referral.evaluating_at + settings.REFERRAL_EVALUATING_TIMEOUT - now
    if left <= timedelta(days=1):
        return Waiting(referral, waited, left, "critical", _("Expires soon"))
    return Waiting(referral, waited, left, "ok", _("On track"))


def _counts(states: dict[str, int]) -> dict[str, int]:
    """The tabs' counts from the partner's referrals per state (``tally.by_state``)."""
    return {
        "new": states[State.NEW],
        "evaluating": states[State.EVALUATING],
        "negotiating": states[State.NEGOTIATING],
        "archived": sum(states[state] for state in ARCHIVED_STATES),
    }


class CountedPaginator(Paginator):
    """Told how many rows there are (the tallies know) instead of counting them again."""

    def __init__(self, object_list, per_page: int, *, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.count = count  # replaces the cached property's COUNT(*)


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
            "counts": [(key, label, counts[key]) for key, (label, _condition) in TABS.items()],
            "needs_response": SimpleLazyObject(
                lambda: [_new_waiting(r, now) for r in mine.awaiting_response().select_related("rfi", "location")[:20]]
            ),
            "evaluating": SimpleLazyObject(
                lambda: [
                    _evaluating_waiting(r, now)
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


@dataclass
class ListFilters:
    """The list's tab, outcome, owner, search and sort, read from the query string; the CSV
    export applies the same."""

    tab: str
    outcome: str
    query: str
    sort: str
    owner: str = ""  # "me": assigned to the reader; "none": assigned to nobody
    reader: int | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> ListFilters:
        tab = request.GET.get("tab") or ""
        if tab not in TABS:
            tab = "new"
        sort = request.GET.get("sort") or ""
        if sort not in SORTS:
            sort = "oldest" if tab != "archived" else "newest"
        owner = request.GET.get("owner") or ""
        if owner not in OWNERS:
            owner = ""
        query = request.GET.get("q", "").strip()[:100]
        return cls(tab, request.GET.get("outcome", ""), query, sort, owner, getattr(request.user, "pk", None))

    @property
    def counted_by_tallies(self) -> bool:
        """Whether the tallies know how many rows there are (no search, no owner)."""
        return not self.query and not self.owner

    def apply(self, referrals):
        referrals = referrals.filter(TABS[self.tab][1])
        if self.tab == "archived" and self.outcome in ARCHIVED_STATES:
            referrals = referrals.filter(state=self.outcome)
        if self.query:
            match = (
                Q(rfi__need__icontains=self.query)
                | Q(location__name__icontains=self.query)
                | Q(location__city__icontains=self.query)
            )
            if self.query.lstrip("#").isdigit():
                match |= Q(pk=int(self.query.lstrip("#")))
            referrals = referrals.filter(match)
        if self.owner == "me":
            referrals = referrals.filter(owner_id=self.reader)
        elif self.owner == "none":
            referrals = referrals.filter(owner__isnull=True)
        return referrals.order_by(*SORTS[self.sort][1])


@partner_required
def referral_list(request: PartnerRequest) -> HttpResponse:
    mine = Referral.objects.for_user(request.user)
    filters = ListFilters.from_request(request)
    states = tally.by_state(partner_of(request.user).pk, request.user.location_scope)
    counts = _counts(states)
    if not filters.counted_by_tallies:
        known = None  # a search or an owner counts its matches
    elif filters.tab == "archived" and filters.outcome in ARCHIVED_STATES:
        known = states[filters.outcome]
    else:
        known = counts[filters.tab]
    page = CountedPaginator(filters.apply(mine).select_related("rfi", "location"), 25, count=known).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "referrals/list.html",
        {
            "tabs": [(key, label, counts[key]) for key, (label, _condition) in TABS.items()],
            "tab": filters.tab,
            "outcomes": [(state.value, state.label) for state in State if state in ARCHIVED_STATES],
            "outcome": filters.outcome,
            "owners": list(OWNERS.items()),
            "owner": filters.owner,
            "query": filters.query,
            "sorts": [(key, label) for key, (label, _order) in SORTS.items()],
            "sort": filters.sort,
            "page": page,
            "fragment": caching.inbox_rows(
                request.user,
                tab=filters.tab,
                outcome=filters.outcome,
                query=filters.query,
                owner=filters.owner,
                sort=filters.sort,
                page=page.number,
            ),
            "export_query": request.GET.urlencode(),
        },
    )


EXPORT_COLUMNS = [
    "id", "state", "source", "received_at", "first_response_at", "closed_at", "location", "need", "solution_area",
    "industry", "company_size", "region", "deal_value", "currency", "close_date", "final_value", "decline_reason",
    "lost_reason", "not_interested_reason", "customer_name", "customer_company", "customer_email", "customer_phone",
]  # fmt: skip


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
    referrals = ListFilters.from_request(request).apply(Referral.objects.for_user(request.user))
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
        )
        for action in registry.allowed(referral, request.user)
    ]  # fmt: skip
    deadline = None
    if referral.state == State.NEW:
        deadline = _new_waiting(referral, now)
    elif referral.state == State.EVALUATING:
        deadline = _evaluating_waiting(referral, now)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            # Read only by the cached summary: loaded when it is rendered afresh.
            "rfi": SimpleLazyObject(lambda: referral.rfi),
            # The customer's contact details leave the server only after Interested.
            "customer": SimpleLazyObject(lambda: referral.rfi.customer) if referral.customer_details_visible else None,
            "events": referral.events.select_related("actor"),
            # The lifecycle's steps, and the steps that move no state (owner, notes) on their own.
            "actions": [(action, form) for action, form in actions if action.allowed_for is None],
            "activities": {action.name: (action, form) for action, form in actions if action.allowed_for is not None},
            "bound": bound.action if bound is not None else "",
            "deadline": deadline,
            "fragment": caching.referral_page(request.user, referral.pk),
        },
        status=status,
    )


@partner_required
def referral_detail(request: PartnerRequest, pk: int) -> HttpResponse:
    # The referral alone: what the page shows of its request, customer and location comes from
    # the cache unless the referral changed (select_related cost more than the query it saved).
    return _detail(request, get_referral_for_user(request.user, pk, related=False))


@require_POST
@partner_required
def act(request: PartnerRequest, pk: int, action: str) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    if action not in registry.ACTIONS:
        raise Http404
    chosen = registry.ACTIONS[action]
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
