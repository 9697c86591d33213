"""Password reset: rate-limited, the same work for every address, and a way back in for the
owner of an account whose sign-in is paused."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as reset_sign_in_failures
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from common import ratelimit
from common.middleware import RefusedFormRedirect

from .forms import OutboxPasswordResetForm


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Per client and per address alike for known and unknown addresses: a refusal tells
        # nobody whether an account exists.
        address = form.cleaned_data["email"].strip().lower()
        limits = [
            ("password-reset-client", f"{settings.PASSWORD_RESET_RATE_PER_CLIENT}/h", None),
            ("password-reset-address", f"{settings.PASSWORD_RESET_RATE_PER_ADDRESS}/h", address),
        ]
        if any(ratelimit.exhausted(self.request, group, rate=rate, key=key) for group, rate, key in limits):
            form.add_error(
                None, _("Too many reset requests for this address or from your network. Try again in an hour.")
            )
            return render(self.request, self.get_template_names(), self.get_context_data(form=form), status=429)
        for group, rate, key in limits:
            ratelimit.count(self.request, group, rate=rate, key=key)
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")  # as Django's own: the link is the way in
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the emailed link proves the account is yours: it lifts a
    sign-in pause (django-axes) that others' wrong guesses caused, and signs you in.

    The form stays at the link's own address. Django's view moves the token into the session
    and redirects to ``.../set-password/`` so that the token cannot leak in a Referer header;
    here no page sends a Referer beyond its own origin (``SECURE_REFERRER_POLICY``) and none
    loads anything from elsewhere, while a token in the session would rest readable in the
    database (sessions are signed, not encrypted) for as long as the link is valid."""

    post_reset_login = True
    post_reset_login_backend = "profiles.auth.PortalBackend"
    success_url = reverse_lazy("home")

    @method_decorator(sensitive_post_parameters())
    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        RefusedFormRedirect.address_is_secret(request)
        self.user = self.get_user(kwargs["uidb64"])
        self.validlink = self.user is not None and self.token_generator.check_token(self.user, kwargs["token"])
        if self.validlink:
            return FormView.dispatch(self, request, *args, **kwargs)
        return self.render_to_response(self.get_context_data())  # "This link has expired or was already used"

    def form_valid(self, form) -> HttpResponse:
        user = form.save()
        auth_login(self.request, user, self.post_reset_login_backend)
        response = FormView.form_valid(self, form)
        reset_sign_in_failures(username=form.user.get_username())
        messages.success(self.request, _("Your new password is set, and you are signed in."))
        return response
