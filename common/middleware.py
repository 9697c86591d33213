import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


class UserTimezoneMiddleware:
    """Show times in the signed-in user's time zone; everything is stored in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") or settings.DEFAULT_USER_TIME_ZONE
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RejectUnreadableInput:
    """A NUL character in the address or the query string is nothing a person sends, and no
    database takes it (PostgreSQL refuses it in text): answer 400 with a message at once,
    before any page or filter meets it. Forms refuse it in what they post on their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            if request.path_info.startswith("/api/"):  # the API's clients read problem details
                problem = {
                    "type": "about:blank",
                    "title": _("The request is not valid"),
                    "status": 400,
                    "detail": _("The address or the query string holds a character nobody sends (NUL)."),
                }
                return JsonResponse(problem, status=400, content_type="application/problem+json")
            return render(request, "errors/unreadable_input.html", status=400)
        return self.get_response(request)
