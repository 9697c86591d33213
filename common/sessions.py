"""Sessions end after a fixed lifetime from sign-in, however active they are (the idle
timeout is Django's own SESSION_COOKIE_AGE, renewed on every request), and as soon as their
user may no longer be signed in (deactivated, or their partner company deactivated)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout, user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "signed_in_at"


@receiver(user_logged_in)
def remember_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and SESSION_KEY in request.session:
            request.session.flush()  # its user was refused (profiles.auth.PortalBackend): end it on the server
        elif request.user.is_authenticated:
            now = timezone.now().timestamp()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if signed_in_at < now - settings.SESSION_MAX_AGE.total_seconds():
                logout(request)  # flushes the session on the server too
        return self.get_response(request)
