from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from profiles.models import User

from .models import Referral


def get_referral_for_user(user: User, pk: int) -> Referral:
    """The one way a partner page fetches a referral: another company's is a 404."""
    return get_object_or_404(
        Referral.objects.for_user(user).select_related("rfi__customer", "location__profile", "partner"), pk=pk
    )


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.partner_id:
        return redirect("referrals:list")
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return redirect("partners:search")


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    referrals = Referral.objects.for_user(request.user).select_related("rfi", "location").order_by("-received_at")[:50]
    return render(request, "referrals/list.html", {"referrals": referrals})


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    events = referral.events.select_related("actor")
    return render(request, "referrals/detail.html", {"referral": referral, "rfi": referral.rfi, "events": events})
