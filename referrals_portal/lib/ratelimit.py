"""A fixed-window rate limit on Django's cache (Redis in production, so every web process
shares the count)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR is the peer; behind a proxy, that proxy must set it (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more hit for ``key``; False once ``limit`` hits were counted in the window."""
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds)
        hits = 1
    return hits <= limit
