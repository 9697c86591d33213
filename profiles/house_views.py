"""The partner's business profiles, locations and contacts, for its referral admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.forms import add_errors, submitted

from . import house
from .auth import PartnerRequest, partner_admin_required, partner_of
from .house_forms import ContactFormSet, LocationForm, NewProfileForm, ProfileForm
from .models import ACTIVE_PROFILE_NEEDS_CONTACT, BusinessProfile, Location


def _my_profile(request: PartnerRequest, pk: int) -> BusinessProfile:
    return get_object_or_404(BusinessProfile.objects.select_related("partner"), pk=pk, partner=partner_of(request.user))


@partner_admin_required
@require_http_methods(["GET", "POST"])
def business_page(request: PartnerRequest) -> HttpResponse:
    """Every profile with why customers can or cannot find it, and a new one for a region."""
    partner = partner_of(request.user)
    form = NewProfileForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            profile = house.create_profile(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The profile is created. Add a location and its contacts, then activate it."))
            return redirect("profiles:profile", pk=profile.pk)
    today = timezone.localdate()
    profiles = []
    for profile in partner.profiles.prefetch_related("locations__contacts").order_by("region"):
        locations = [(location, location.closed_because(today)) for location in profile.locations.all()]
        if not profile.is_active:
            reason = _("Inactive: customers do not find it.")
        elif all(closed for _location, closed in locations):
            reason = _("No location takes referrals today: customers do not find it.")
        else:
            reason = ""
        profiles.append((profile, reason, locations))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "profiles/business.html", {"profiles": profiles, "form": form}, status=status)


@partner_admin_required
@require_http_methods(["GET", "POST"])
def profile_page(request: PartnerRequest, pk: int) -> HttpResponse:
    profile = _my_profile(request, pk)
    form = ProfileForm(submitted(request), instance=profile)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in [*ProfileForm.Meta.fields, "keywords"]}
        try:
            house.update_profile(profile, by=request.user, **values)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The profile is saved: partner search shows it as it is now."))
            return redirect("profiles:profile", pk=profile.pk)
    if form.is_bound:
        messages.error(request, _("Please correct the fields marked below."))
    status = 400 if form.is_bound else 200
    return render(
        request,
        "profiles/profile_edit.html",
        {"profile": profile, "form": form, "rule": ACTIVE_PROFILE_NEEDS_CONTACT},
        status=status,
    )


def _location_page(request: PartnerRequest, profile: BusinessProfile, location: Location) -> HttpResponse:
    partner = partner_of(request.user)
    form = LocationForm(submitted(request), instance=location, partner=partner)
    contacts = ContactFormSet(submitted(request), instance=location, prefix="contacts")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            location = house.save_location(form, contacts, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(location)s is saved.") % {"location": location.name})
            return redirect("profiles:profile", pk=profile.pk)
    if form.is_bound:
        messages.error(request, _("Please correct the fields marked below."))
    status = 400 if form.is_bound else 200
    return render(
        request,
        "profiles/location_edit.html",
        {"profile": profile, "location": location, "form": form, "contacts": contacts},
        status=status,
    )


@partner_admin_required
@require_http_methods(["GET", "POST"])
def new_location_page(request: PartnerRequest, pk: int) -> HttpResponse:
    profile = _my_profile(request, pk)
    return _location_page(request, profile, Location(profile=profile))


@partner_admin_required
@require_http_methods(["GET", "POST"])
def location_page(request: PartnerRequest, pk: int) -> HttpResponse:
    location = get_object_or_404(
        Location.objects.select_related("profile__partner"), pk=pk, profile__partner=partner_of(request.user)
    )
    return _location_page(request, location.profile, location)
