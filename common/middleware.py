import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
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


class RefusedFormRedirect:
    """Post/redirect/get for refused forms too: a browser's form post that comes back as a 400
    page is kept in the session and shown by a 303 redirect to the page's own address (or the
    address a view names in ``response.refused_at``), with the errors and what the user typed.
    Reloading it then asks for that address again instead of posting the form a second time.

    Only for a browser's own navigation (``Sec-Fetch-Mode: navigate``): a script or the API
    gets its 400 directly, as does a browser too old to say so."""

    KEY = "refused_page"
    KEPT_SECONDS = 300
    SKIPPED = ("/api/", "/admin/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if request.method == "GET" and session is not None and self.KEY in session:
            stored = session.pop(self.KEY)
            fresh = time.time() - stored.get("at", 0) < self.KEPT_SECONDS
            if fresh and stored.get("path") == request.get_full_path():
                replayed = HttpResponse(stored["html"], status=stored["status"])
                patch_cache_control(replayed, no_store=True, private=True)
                return replayed
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code == 400
            and session is not None
            and request.headers.get("Sec-Fetch-Mode") == "navigate"
            and response.get("Content-Type", "").startswith("text/html")
            and not response.streaming
            and not request.path.startswith(self.SKIPPED)
        ):
            target = getattr(response, "refused_at", None) or request.get_full_path()
            session[self.KEY] = {
                "path": target,
                "html": response.content.decode(response.charset),
                "status": response.status_code,
                "at": time.time(),
            }
            redirect = HttpResponseRedirect(target)
            redirect.status_code = 303  # See Other: the browser asks for it with a GET
            return redirect
        return response
