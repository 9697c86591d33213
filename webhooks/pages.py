"""The webhooks pages, for the partner's referral admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import add_errors, submitted
from profiles.auth import PartnerRequest, partner_admin_required, partner_of

from . import endpoints
from .forms import EditEndpointForm, EndpointForm
from .models import Delivery, Endpoint

LOG_LENGTH = 50


def _endpoint(request: PartnerRequest, pk: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=pk, partner=partner_of(request.user))


@partner_admin_required
@require_http_methods(["GET", "POST"])
def endpoints_page(request: PartnerRequest) -> HttpResponse:
    partner = partner_of(request.user)
    form = EndpointForm(submitted(request))
    secret, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                endpoint, secret = endpoints.create(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The endpoint is added. Copy its secret now: it is shown only once."))
                return _endpoint_page(request, endpoint, EditEndpointForm(initial=_current(endpoint)), secret=secret,
                                      status=201)  # fmt: skip
        if status == 400:
            messages.error(request, _("Please correct the fields marked below."))
    return render(
        request,
        "webhooks/endpoints.html",
        {"endpoints": partner.webhook_endpoints.all(), "form": form},
        status=status,
    )


def _current(endpoint: Endpoint) -> dict:
    return {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description,
            "is_active": endpoint.is_active}  # fmt: skip


def _endpoint_page(request, endpoint: Endpoint, form, *, secret: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "webhooks/endpoint.html",
        {
            "endpoint": endpoint,
            "form": form,
            "secret": secret,
            "deliveries": endpoint.deliveries.select_related("referral")[:LOG_LENGTH],
        },
        status=status,
    )


@partner_admin_required
@require_http_methods(["GET", "POST"])
def endpoint_page(request: PartnerRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    form = EditEndpointForm(submitted(request), initial=_current(endpoint))
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoints.update(endpoint, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The endpoint is saved."))
                return redirect("webhooks:endpoint", pk=endpoint.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return _endpoint_page(request, endpoint, form, status=400)
    return _endpoint_page(request, endpoint, form)


@partner_admin_required
@require_POST
def ping(request: PartnerRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    endpoints.ping(endpoint, by=request.user)
    messages.success(request, _("A test event is on its way: its outcome shows in the log below."))
    return redirect("webhooks:endpoint", pk=endpoint.pk)


@partner_admin_required
@require_POST
def new_secret(request: PartnerRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    secret = endpoints.new_secret(endpoint, by=request.user)
    endpoint.refresh_from_db()
    messages.success(request, _("A new secret: copy it now. The previous one signs too for 24 hours."))
    return _endpoint_page(request, endpoint, EditEndpointForm(initial=_current(endpoint)), secret=secret)


@partner_admin_required
@require_POST
def delete(request: PartnerRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    endpoints.delete(endpoint, by=request.user)
    messages.success(request, _("The endpoint is deleted, with its log."))
    return redirect("webhooks:list")


@partner_admin_required
@require_POST
def send_again(request: PartnerRequest, pk: int, delivery: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    chosen = get_object_or_404(Delivery, pk=delivery, endpoint=endpoint)
    endpoints.send_again(chosen, by=request.user)
    messages.success(request, _("Sent again, with the same webhook-id: its outcome shows in the log."))
    return redirect("webhooks:endpoint", pk=endpoint.pk)
