"""The account's language: what a partner user's account says applies when they sign in,
whatever their browser asks for, and switching the language on a page changes the account too.

Switching the language on a page that shows a refused form shows that form again, in the new
language, with what was typed (``common.middleware.RefusedFormRedirect``).

Django's LocaleMiddleware reads the language cookie before the browser's Accept-Language, so
signing in sets that cookie (``AccountLanguageMiddleware``) and the switch keeps both in step."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from common.middleware import RefusedFormRedirect

from .models import User


@receiver(user_logged_in)
def _apply_account_language(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    language = getattr(user, "language", "")
    if request is None or language not in dict(settings.LANGUAGES):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.account_language = language  # type: ignore[attr-defined]  # the middleware sets the cookie


class AccountLanguageMiddleware:
    """Sets the language cookie to the account's language on the response to a sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, "account_language", None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax"
            )
        return response


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which a signed-in user's account follows."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    chosen = request.method == "POST" and language in dict(settings.LANGUAGES)
    if chosen and user.is_authenticated and getattr(user, "language", language) != language:
        User.objects.filter(pk=user.pk).update(language=language)
    if chosen:
        # A form refused on that page is shown again, in the new language, with what was typed.
        RefusedFormRedirect.show_again(request, request.POST.get("next", ""))
    return response
