import time
import zoneinfo
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
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


class RefusedPost(NamedTuple):
    posted_to: str  # the path the form was posted to
    data: QueryDict


class RefusedFormRedirect:
    """Post/redirect/get for refused forms too: a browser's form post that comes back as a 400
    page is kept in the session and shown by a 303 redirect to the page's own address (or the
    one a view names in ``request.shown_at``), with the errors and what the user typed.
    Reloading it then asks for that address again instead of posting the form a second time.

    Switching the language on that page shows it again in the new language, errors and input
    kept: the page's GET is given the refused post as ``request.refused_post``, which a view
    binds its form to through ``common.forms.submitted`` (a GET never acts, so a form that
    would pass by now is only shown filled in). Passwords are never kept.

    Only for a browser's own navigation (``Sec-Fetch-Mode: navigate``): a script or the API
    gets its 400 directly, as does a browser too old to say so.

    A page whose address is itself a secret (an invitation or a password-reset link) calls
    ``address_is_secret(request)``: its refused form is answered 400 at once, so the address,
    which the page's HTML repeats, never rests in the session table."""

    KEY = "refused_page"
    KEPT_SECONDS = 300
    SKIPPED = ("/api/", "/admin/")
    NOT_KEPT = ("csrfmiddlewaretoken", "password")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def address_is_secret(request: HttpRequest) -> None:
        request.address_is_secret = True  # type: ignore[attr-defined]

    @classmethod
    def show_again(cls, request: HttpRequest, path: str) -> None:
        """The next visit to ``path`` shows its refused form again (after a language switch)."""
        stored = request.session.get(cls.KEY)
        if stored and stored["path"] == path:
            request.session[cls.KEY] = {**stored, "again": True}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if request.method == "GET" and session is not None and self.KEY in session:
            stored = session[self.KEY]
            here = time.time() - stored.get("at", 0) < self.KEPT_SECONDS and stored["path"] == request.get_full_path()
            if here and not stored.get("shown"):
                session[self.KEY] = {**stored, "shown": True}  # kept for a language switch
                return self._no_store(HttpResponse(stored["html"], status=stored["status"]))
            if here and stored.get("again"):
                session[self.KEY] = {**stored, "again": False}
                request.refused_post = RefusedPost(stored["posted_to"], QueryDict(stored["data"]))  # type: ignore[attr-defined]
                return self._no_store(self.get_response(request))
            del session[self.KEY]
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code == 400
            and session is not None
            and request.headers.get("Sec-Fetch-Mode") == "navigate"
            and response.get("Content-Type", "").startswith("text/html")
            and not response.streaming
            and not request.path.startswith(self.SKIPPED)
            and not getattr(request, "address_is_secret", False)
        ):
            target = getattr(request, "shown_at", None) or request.get_full_path()
            kept = request.POST.copy()
            for name in list(kept):
                if any(word in name for word in self.NOT_KEPT):
                    del kept[name]
            session[self.KEY] = {
                "path": target,
                "posted_to": request.path_info,
                "data": kept.urlencode(),
                "html": response.content.decode(response.charset),
                "status": response.status_code,
                "at": time.time(),
            }
            redirect = HttpResponseRedirect(target)
            redirect.status_code = 303  # See Other: the browser asks for it with a GET
            return redirect
        return response

    @staticmethod
    def _no_store(response: HttpResponse) -> HttpResponse:
        patch_cache_control(response, no_store=True, private=True)
        return response
