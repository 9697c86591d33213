"""Emails built at send time because they carry a secret link: password reset, and a colleague's
invitation. Password reset goes through the outbox like every email.

The page does the same work whether or not the address has an account: it writes one outbox
row and answers (the timing tells nothing). The worker builds the email when it sends it, with
a fresh link for each active account of that address, or cancels it when there is none; the
row keeps a copy without the links, so nobody reading the outbox can reset anyone's password.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import get_language

from outbox.models import OutboundEmail
from outbox.queue import enqueue
from outbox.rendering import Message, Secret, at_send_time

from .models import Invitation, User

NOT_KEPT = "[password-reset link: sent to the account's owner, not kept]"
NOT_KEPT_INVITATION = "[invitation link: sent to the colleague, not kept]"


def reset_url(user: User) -> str:
    return settings.SITE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


class OutboxPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        # Users of a partner company that was deactivated have no access left to reset.
        return (user for user in super().get_users(email) if user.partner is None or user.partner.is_active)

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            enqueue(
                [
                    Message(
                        # Random, and not the token: the key tells nothing and rebuilds no link.
                        dedupe_key=f"password-reset:{uuid.uuid4().hex}",
                        template="password_reset",
                        to_email=self.cleaned_data["email"],
                        language=(get_language() or settings.LANGUAGE_CODE)[:2],
                    )
                ]
            )


@at_send_time("password_reset")
def build_password_reset(email: OutboundEmail) -> Message | None:
    users = list(OutboxPasswordResetForm().get_users(email.to_email))
    if not users:
        return None  # no active account with this address: nothing is sent
    return Message(
        dedupe_key=email.dedupe_key,
        template=email.template,
        to_email=email.to_email,
        language=users[0].language,
        context={"accounts": [(user, Secret(reset_url(user), NOT_KEPT)) for user in users]},
    )


@at_send_time("invitation")
def build_invitation(email: OutboundEmail) -> Message | None:
    """A colleague's invitation, with its link; nothing once it was used, withdrawn or expired."""
    if email.about_id is None:
        return None
    invitation = Invitation.objects.select_related("partner", "invited_by").filter(pk=email.about_id).first()
    if invitation is None or not invitation.is_open(timezone.now()):
        return None
    link = settings.SITE_URL + reverse("profiles:accept_invitation", args=[invitation.token])
    return Message(
        dedupe_key=email.dedupe_key,
        template=email.template,
        to_email=email.to_email,
        language=email.language,
        context={
            "invitation": invitation,
            "role": invitation.get_role_display(),
            "accept_url": Secret(link, NOT_KEPT_INVITATION),
        },
    )
