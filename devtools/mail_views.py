"""The local mail folder in the browser, at ``/dev/mail/``: the emails ``devtools.mail`` wrote,
newest first, each with its headers decoded and its text part. Routed only with DEBUG on
(referrals_portal.urls), and each view answers 404 with DEBUG off besides. It asks for no
sign-in: it serves a developer's own machine (``./dev run`` listens on 127.0.0.1 only), and a
password-reset email must be readable by someone who cannot sign in. An email's HTML is never
shown (it is untrusted, and the pages' CSP forbids its styles): its text part is, escaped."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from devtools import mail

LIMIT = 200  # the newest this many are listed


def debug_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def only_with_debug(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not settings.DEBUG:
            raise Http404
        return view(request, *args, **kwargs)

    return only_with_debug


def found(name: str) -> Path:
    path = mail.message_path(name)
    if path is None:
        raise Http404
    return path


@debug_only
@never_cache
@require_safe
def mail_list(request: HttpRequest) -> HttpResponse:
    mails, total = mail.newest(LIMIT)
    return render(request, "devtools/mail_list.html", {"mails": mails, "total": total, "folder": mail.folder()})


@debug_only
@never_cache
@require_safe
def mail_message(request: HttpRequest, name: str) -> HttpResponse:
    shown = mail.read(found(name))
    return render(request, "devtools/mail_message.html", {"name": name, "mail": shown})


@debug_only
@never_cache
@require_safe
def mail_raw(request: HttpRequest, name: str) -> FileResponse:
    """The file as it is, as plain text (nosniff: a browser never renders it as HTML)."""
    return FileResponse(found(name).open("rb"), content_type="text/plain; charset=utf-8", filename=name)
