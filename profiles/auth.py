"""Who may be signed in: an active user of an active partner company, or active operator staff."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    """Django's own, and a user whose partner company was deactivated is refused at sign-in and
    on every request after (their sessions end: ``sessions.SessionLifetimeMiddleware``). The
    company comes with the user in one query, so the pages read it for free."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and (user.partner_id is None or user.partner.is_active)

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        user = get_user_model()._default_manager.select_related("partner").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
