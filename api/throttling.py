"""Rate limits: per key, and per client address for wrong keys."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from common.ratelimit import client_ip

from .models import ApiKey


class PerKeyThrottle(SimpleRateThrottle):
    scope = "key"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey):
            return f"api-throttle:key:{request.auth.pk}"
        return None


class WrongKeyThrottle(SimpleRateThrottle):
    """Wrong, expired or revoked keys, per client address (``ApiKeyAuthentication``)."""

    scope = "wrong-key"

    def get_rate(self) -> str:
        return settings.API_WRONG_KEY_RATE_LIMIT

    def get_cache_key(self, request, view) -> str:
        return f"api-throttle:wrong-key:{client_ip(request._request)}"
