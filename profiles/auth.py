"""Who may be signed in: an active user of an active partner company, or active operator staff;
and the request a partner page receives."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.cache import never_cache

from .models import PartnerCompany, User


class PortalBackend(ModelBackend):
    """Django's own, and a user whose partner company was deactivated is refused at sign-in and
    on every request after (their sessions end: ``common.sessions.SessionLifetimeMiddleware``).
    The company comes with the user in one query, so the pages read it for free."""

    def user_can_authenticate(self, user) -> bool:
        return (
            super().user_can_authenticate(user)
            and not user.is_api_client  # an API key's identity never has a session
            and (user.partner_id is None or user.partner.is_active)
        )

    def get_user(self, user_id):
        user = User.objects.select_related("partner").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class PartnerRequest(HttpRequest):
    """A request from a signed-in user of a partner company: what the partner pages receive
    once ``partner_required`` let it through."""

    user: User


def partner_of(user: User) -> PartnerCompany:
    """The company of a partner user (the partner pages only serve those)."""
    if user.partner is None:
        raise ValueError(f"{user} is not a partner user")
    return user.partner


def partner_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Partner pages are for partner users (a ``PartnerRequest``); operator staff have the
    admin. They show the partner's own data, customers' details among them: no cache may keep
    them."""

    @never_cache
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not getattr(request.user, "partner_id", None):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def partner_admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The partner's own house (profiles, team): its referral admins only; to anyone else, as
    to another partner's user, the page does not exist."""

    @partner_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not getattr(request.user, "is_partner_admin", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
