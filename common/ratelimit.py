"""Rate limits, counted by django-ratelimit in the default cache (Redis in production, so every
web process shares the counts), keyed on the client's real address.

A limit counts what was *accepted* (a request sent, a reset asked for), never a refused form:
a customer fixing a typo is not locked out. Callers ask ``exhausted`` before doing the work
and ``count`` after it succeeded.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage


def client_ip(request: HttpRequest) -> str:
    """The address a request came from. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each of
    which appends the address it got the connection from to X-Forwarded-For, that is the
    entry the outermost proxy wrote (what a client writes itself sits to the left of it and
    is never trusted); with none, the peer itself. django-ratelimit groups IPv6 addresses by
    their /64, which one client holds whole (``RATELIMIT_IPV6_MASK``)."""
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, not a bind address
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return peer
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def _usage(request: HttpRequest, group: str, rate: str, key: str | None, increment: bool) -> dict:
    by = "ip" if key is None else (lambda _group, _request: hashlib.sha256(key.encode()).hexdigest())
    return get_usage(request, group=group, key=by, rate=rate, increment=increment) or {"count": 0, "limit": 1}


def exhausted(request: HttpRequest, group: str, *, rate: str, key: str | None = None) -> bool:
    """Whether ``rate`` (``"5/h"``) of ``group`` is used up for this client (or for ``key``,
    such as an email address), without counting anything."""
    usage = _usage(request, group, rate, key, increment=False)
    return usage["count"] >= usage["limit"]


def count(request: HttpRequest, group: str, *, rate: str, key: str | None = None) -> None:
    """Count one accepted request of ``group`` for this client (or for ``key``)."""
    _usage(request, group, rate, key, increment=True)
