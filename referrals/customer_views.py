"""Pages for customers, who have no account: their private status link is the key."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import RFI


def rfi_status(request: HttpRequest, token: str) -> HttpResponse:
    rfi = get_object_or_404(RFI.objects.select_related("customer"), status_token=token)
    referrals = rfi.referrals.select_related("partner", "location").order_by("pk")
    return render(request, "customers/rfi_status.html", {"rfi": rfi, "referrals": referrals})
