"""``Authorization: Bearer rpk_…``: the request acts as the key's identity (``api.keys``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from common.ratelimit import client_ip

from . import keys
from .throttling import WrongKeyThrottle


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword.lower().encode() or len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the key as “Authorization: Bearer <key>”."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from error
        key = keys.authenticate(secret)
        if key is None:
            # A guesser's address is slowed down: wrong keys count against it.
            throttle = WrongKeyThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(throttle.wait())
            raise exceptions.AuthenticationFailed(_("This API key is not valid, expired or revoked."))
        keys.note_use(key, client_ip(request))
        return key.client, key

    def authenticate_header(self, request) -> str:
        # A 401, not a 403, for a request without a usable key.
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key a referral admin created under Your company → API keys.",
        }
