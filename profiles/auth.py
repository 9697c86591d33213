"""Who may be signed in: an active user of an active partner company, or active operator staff;
and the request a partner page receives."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import PartnerCompany, User


class PortalBackend(ModelBackend):
    """Django's own, and a user whose partner company was deactivated is refused at sign-in and
    on every request after (their sessions end: ``common.sessions.SessionLifetimeMiddleware``).
    The company comes with the user in one query, so the pages read it for free."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and (user.partner_id is None or user.partner.is_active)

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
