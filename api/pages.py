"""The API keys page, for the partner's referral admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import add_errors, submitted
from profiles.auth import PartnerRequest, partner_admin_required, partner_of

from . import keys
from .forms import NewKeyForm
from .models import ApiKey


def _page(request: PartnerRequest, form: NewKeyForm, *, created: str = "", status: int = 200) -> HttpResponse:
    partner = partner_of(request.user)
    return render(
        request,
        "api/keys.html",
        {
            "keys": partner.api_keys.select_related("client", "created_by", "revoked_by").prefetch_related(
                "client__locations"
            ),
            "now": timezone.now(),
            "form": form,
            "created": created,
        },
        status=status,
    )


@partner_admin_required
@require_http_methods(["GET", "POST"])
def keys_page(request: PartnerRequest) -> HttpResponse:
    partner = partner_of(request.user)
    if request.method == "POST":
        form = NewKeyForm(request.POST, partner=partner)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _key, secret = keys.create(
                    by=request.user,
                    name=data["name"],
                    role=data["role"],
                    locations=data["locations"],
                    expires_at=form.expires_at(),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                # Shown on this answer only (never_cache); the portal keeps its digest alone.
                return _page(request, NewKeyForm(partner=partner), created=secret, status=201)
        messages.error(request, _("Please correct the fields marked below."))
        return _page(request, form, status=400)
    refused = submitted(request)
    if refused is not None:  # shown again after a language switch
        form = NewKeyForm(refused, partner=partner)
        return _page(request, form, status=400 if form.errors else 200)
    return _page(request, NewKeyForm(partner=partner, initial={"role": "user"}))


@partner_admin_required
@require_POST
def revoke_key(request: PartnerRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk, partner=partner_of(request.user))
    keys.revoke(key, by=request.user)
    messages.success(request, _("The key “%(name)s” is revoked: its next request is refused.") % {"name": key.name})
    return redirect("api_keys:list")
