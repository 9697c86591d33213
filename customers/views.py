"""Pages for customers, who have no account: partner search, a partner's public page, the request
form, and the status page whose private link (an unguessable token) is the key."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from common import numbers, ratelimit
from common.forms import submitted
from common.middleware import RefusedFormRedirect
from profiles.auth import PartnerRequest, partner_admin_required, partner_of
from profiles.models import BusinessProfile, Location
from referrals import rfis
from referrals.models import PASSED_ON_STATES, RFI, BlockedSender, State

from . import matching
from .forms import RFIForm, SearchForm, reachable_locations

# Where a request stands with one partner, in the customer's words.
CUSTOMER_STATUS = {
    State.NEW: gettext_lazy("Sent: waiting for the partner's answer"),
    State.EVALUATING: gettext_lazy("The partner is reviewing your request and will contact you"),
    State.NEGOTIATING: gettext_lazy("In discussion with the partner"),
    State.WON: gettext_lazy("Closed: you went ahead with this partner"),
    State.LOST: gettext_lazy("Closed without a deal"),
    State.SKIPPED: gettext_lazy("This partner cannot take it: please choose another partner"),
    State.FAILED: gettext_lazy("This partner did not answer in time: please choose another partner"),
    State.DECLINED: gettext_lazy("This partner cannot take it: please choose another partner"),
    State.EXPIRED: gettext_lazy("This partner did not answer in time: please choose another partner"),
    State.DISCONNECTED: gettext_lazy("Withdrawn"),
}
PREFILL = ("solution_area", "industry", "company_size", "region")


def partner_search(request: HttpRequest) -> HttpResponse:
    """The search, and below it the results, where the customer picks an office per partner
    and goes on to write one request to all of them (``write``). Going on with no office
    chosen stays here, with the results and a message, rather than opening an empty request."""
    form = SearchForm(request.GET or None)
    matches = matching.search(form.needs()) if request.GET else []
    status = 200
    if "write" in request.GET:
        chosen = numbers.ids(request.GET.getlist("location"))
        if chosen:
            wanted = getattr(form, "cleaned_data", {})
            query = [("location", pk) for pk in chosen] + [(name, wanted[name]) for name in PREFILL if wanted.get(name)]
            return redirect(f"{reverse('rfi_new')}?{urlencode(query)}")
        form.add_error(None, _("Choose the office to contact for at least one partner, then write your request."))
        status = 400
    context = {"form": form, "matches": matches, "searched": bool(request.GET)}
    return render(request, "customers/search.html", context, status=status)


def _partner_page(request: HttpRequest, profile: BusinessProfile, locations, *, preview: bool) -> HttpResponse:
    record = matching.responsiveness([profile.partner_id]).get(profile.partner_id, matching.Responsiveness())
    return render(
        request,
        "customers/partner.html",
        {
            "profile": profile,
            "locations": locations,
            "match": matching.Match(profile, 0, [], record),
            "preview": preview,
        },
    )


def partner_profile(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(
        BusinessProfile.objects.filter(is_active=True, partner__is_active=True).select_related("partner"), pk=pk
    )
    return _partner_page(request, profile, profile.locations.reachable().order_by("name"), preview=False)


@partner_admin_required
def partner_preview(request: PartnerRequest, pk: int) -> HttpResponse:
    """A referral admin's own profile as customers see it, active or not yet: the offices
    customers could choose today."""
    profile = get_object_or_404(
        BusinessProfile.objects.select_related("partner"), pk=pk, partner=partner_of(request.user)
    )
    locations = profile.locations.receiving().open_today(timezone.localdate()).order_by("name")
    return _partner_page(request, profile, locations, preview=True)


@require_http_methods(["GET", "POST"])
def new_rfi(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RFIForm(request.POST)
        if form.is_spam:
            return _sent(_chosen(request.POST))  # the page a real sender sees: nothing a bot could learn from
        rate = f"{settings.RFI_RATE_LIMIT}/h"
        if ratelimit.exhausted(request, "rfi", rate=rate):
            messages.error(request, _("Too many requests from your network in the last hour. Please try again later."))
            return render(
                request, "customers/rfi_form.html", {"form": form, "chosen": _chosen(request.POST)}, status=429
            )
        if form.is_valid():
            ratelimit.count(request, "rfi", rate=rate)
            data = form.cleaned_data
            if BlockedSender.blocks(data["email"]):
                # The page a real sender sees; nothing is stored or sent.
                return _sent(data["locations"])
            rfis.submit_rfi(
                rfis.CustomerDetails.from_form(data, language=(get_language() or "en")[:2]),
                data["locations"],
                need=data["need"],
                solution_area=data["solution_area"],
                industry=data["industry"],
                company_size=data["company_size"],
                region=data["region"],
                budget_range=data["budget_range"],
                budget_currency=data["budget_currency"],
                timeline=data["timeline"],
                consent_to_share=True,
            )
            return _sent(data["locations"])
        return _form_page(request, form, request.POST, status=400)
    refused = submitted(request)
    if refused is not None:  # shown again after a language switch
        form = RFIForm(refused)
        return _form_page(request, form, refused, status=400 if form.errors else 200)

    chosen_ids = numbers.ids(request.GET.getlist("location"))
    initial = {name: request.GET[name] for name in PREFILL if request.GET.get(name)}
    form = RFIForm(initial={"locations": chosen_ids, **initial})
    return render(request, "customers/rfi_form.html", {"form": form, "chosen": _locations(chosen_ids)})


SENT_SALT = "customers.sent"


def _sent(locations) -> HttpResponse:
    """To the thank-you page, which names the offices the request went to (signed, so the page
    cannot be made to say anything else). The status link goes by email only: what the sender
    sees does not depend on whether the request was stored."""
    signed = signing.dumps([location.pk for location in locations], salt=SENT_SALT)
    return redirect(f"{reverse('rfi_sent')}?{urlencode({'to': signed})}")


@require_GET
def rfi_sent(request: HttpRequest) -> HttpResponse:
    try:
        ids = signing.loads(request.GET.get("to", ""), salt=SENT_SALT, max_age=3600)
    except signing.BadSignature:
        ids = []
    locations = list(
        Location.objects.filter(pk__in=[pk for pk in ids if isinstance(pk, int)])
        .select_related("profile__partner")
        .order_by("profile__partner__name")
    )
    return render(request, "customers/thanks.html", {"locations": locations})


def _locations(ids):
    return list(reachable_locations().filter(pk__in=ids).order_by("profile__partner__name"))


def _chosen(data: QueryDict):
    return _locations(numbers.ids(data.getlist("locations")))


def _form_page(request: HttpRequest, form: RFIForm, data: QueryDict, *, status: int) -> HttpResponse:
    """The request form as the customer filled it in (``data``), with what is wrong."""
    return render(request, "customers/rfi_form.html", {"form": form, "chosen": _chosen(data)}, status=status)


def _rfi(request: HttpRequest, token: str) -> RFI:
    """The request behind a private link; an unknown or revoked link (an erased customer's) is a 404.
    The link is a secret: a refused form on its pages is not kept in the session."""
    RefusedFormRedirect.address_is_secret(request)
    return get_object_or_404(RFI.objects.by_status_token(token).select_related("customer"))


@never_cache  # the customer's own request, behind a private link
def rfi_status(request: HttpRequest, token: str) -> HttpResponse:
    rfi = _rfi(request, token)
    referrals = [
        (referral, CUSTOMER_STATUS[State(referral.state)])
        for referral in rfi.referrals.select_related("partner", "location").order_by("partner__name")
    ]
    passed_on = any(referral.state in PASSED_ON_STATES for referral, _label in referrals)
    withdrawn = passed_on and rfis.withdrawn(rfi)
    return render(
        request,
        "customers/rfi_status.html",
        {
            "rfi": rfi,
            "referrals": referrals,
            # A partner passed it on: the best-matching partners that do not have it, one click each.
            "suggestions": matching.suggestions(rfi) if passed_on and not withdrawn else [],
            "can_withdraw": any(referral.is_active for referral, _label in referrals),
            "search_query": "&".join(f"{name}={getattr(rfi, name)}" for name in PREFILL),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def send_to_another(request: HttpRequest, token: str, location: int) -> HttpResponse:
    """One more partner for the same request, from the status page or the email's link: a page
    that names the partner and sends with one button (a link alone never sends: mail scanners
    follow links)."""
    rfi = _rfi(request, token)
    office = get_object_or_404(Location.objects.select_related("profile__partner"), pk=location)
    error = ""
    if request.method == "POST":
        try:
            rfis.send_to_another(rfi, office)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request,
                _("Your request was sent to %(partner)s. They will answer within 72 hours.")
                % {"partner": office.profile.partner.name},
            )
            return redirect("rfi_status", token=token)
    return render(
        request,
        "customers/send_to_another.html",
        {"rfi": rfi, "location": office, "partner": office.profile.partner, "error": error},
        status=400 if error else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    rfi = _rfi(request, token)
    if request.method == "POST":
        changed = rfis.withdraw_rfi(rfi)
        if changed:
            messages.success(request, _("Your request is withdrawn. The partners were told."))
        else:
            messages.info(request, _("There was nothing left to withdraw."))
        return redirect("rfi_status", token=token)
    return render(request, "customers/withdraw.html", {"rfi": rfi})
