from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response

from api.views import ApiView
from referrals_portal.urls import urlpatterns as portal


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The framework's floor: the same middleware and sign-in, a constant page of a given size."""
    return HttpResponse(b"x" * int(request.GET.get("bytes", "10000")), content_type="text/html; charset=utf-8")


class ApiFloor(ApiView):
    """The API's floor: the same key authentication, rate limit and JSON renderer as every API
    view, answering a constant JSON body of a given size to GET and POST."""

    def get(self, request: Request) -> Response:
        return Response({"x": "x" * max(int(request.GET.get("bytes", "1000")) - 8, 0)})

    def post(self, request: Request) -> Response:
        return self.get(request)


urlpatterns = [path("bench/floor/", floor), path("bench/api-floor/", ApiFloor.as_view()), *portal]
