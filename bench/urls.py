from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from referrals_portal.urls import urlpatterns as portal


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The framework's floor: the same middleware and sign-in, a constant page of a given size."""
    return HttpResponse(b"x" * int(request.GET.get("bytes", "10000")), content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/floor/", floor), *portal]
