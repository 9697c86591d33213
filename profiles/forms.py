from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse

from outbox.queue import Message, enqueue


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset emails go through the outbox like every other email: in the user's
    language, as text and HTML, sent by a worker, so the request never waits on the mail server."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        user = context["user"]
        reset_url = settings.SITE_URL + reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        enqueue(
            [
                Message(
                    dedupe_key=f"password-reset:{user.pk}:{context['token']}",
                    template="password_reset",
                    to_email=to_email,
                    language=user.language,
                    context={"user": user, "reset_url": reset_url},
                )
            ]
        )
