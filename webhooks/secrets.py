"""An endpoint's signing secret: 32 bytes derived from the endpoint's random salt with the
portal's SECRET_KEY, shown to the partner once as ``whsec_<base64>`` (Standard Webhooks).

No row holds the secret. The row's digest of it tells which key made it, so a SECRET_KEY moved
to SECRET_KEY_FALLBACKS keeps signing the endpoints made under it until their admins make a
new secret."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

PURPOSE = "webhooks.signing-secret"


class SecretLost(Exception):
    """No key the portal has derives this secret (SECRET_KEY changed with no fallback)."""


def new_salt() -> str:
    return secrets.token_urlsafe(24)


def _derive(salt: str, key: str) -> bytes:
    return salted_hmac(PURPOSE, salt, secret=key, algorithm="sha256").digest()


def digest_of(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def make(salt: str) -> tuple[bytes, str]:
    """The secret for a new ``salt`` under the current SECRET_KEY, and its digest to store."""
    secret = _derive(salt, settings.SECRET_KEY)
    return secret, digest_of(secret)


def secret_for(salt: str, digest: str) -> bytes:
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        secret = _derive(salt, key)
        if digest_of(secret) == digest:
            return secret
    raise SecretLost(salt)


def shown(secret: bytes) -> str:
    return "whsec_" + base64.b64encode(secret).decode()
